import { samplePixelRange } from './pixel-range.js';

describe('samplePixelRange', () => {
  it('is exact for small planes and covers the first and last pixel of large ones', () => {
    const small = Uint16Array.from([5, 3, 900, 7]);
    expect(samplePixelRange('uint16', new Uint8Array(small.buffer))).toEqual([3, 900]);
    const large = new Float32Array(2048 * 2048).fill(1);
    large[0] = -4;
    large[large.length - 1] = 99;
    expect(samplePixelRange('float32', new Uint8Array(large.buffer))).toEqual([-4, 99]);
  });
});
