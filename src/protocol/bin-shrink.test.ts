import { binShrink, binShrink2 } from './bin-shrink.js';

describe('binShrink', () => {
  it('halves n times: level n, with its shape (odd sides round up)', () => {
    const src = Uint16Array.from({ length: 5 * 7 }, (_, i) => i * 3);
    const once = binShrink2(src, 5, 7, 'uint16');
    const twice = binShrink2(once, 3, 4, 'uint16');
    expect(binShrink(src, 5, 7, 'uint16', 2)).toEqual({ pixels: twice, shape: [2, 2] });
    const same = binShrink(src, 5, 7, 'uint16', 0);
    expect(same.pixels).toBe(src);
    expect(same.shape).toEqual([5, 7]);
  });
});
