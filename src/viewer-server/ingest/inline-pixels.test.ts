/** Inline values must fit the image's dtype: nothing wraps or rounds silently. */
import { typedArrayCtor, type Dtype, type ImageItem } from '../../protocol/index.js';
import { inlinePixels, InlinePixelsError } from './inline-pixels.js';

function item(dtype: Dtype, n: number): ImageItem {
  return {
    path: `/inline/${dtype}.tif`,
    shape: [1, n],
    dtype,
    data_type: 'image',
    image_id: 'i',
    metadata: {}
  };
}

function values(dtype: Dtype, data: number[]): number[] {
  const bytes = inlinePixels(item(dtype, data.length), [data]);
  const Ctor = typedArrayCtor(dtype);
  return Array.from(new Ctor(bytes.buffer, bytes.byteOffset, data.length));
}

describe('inlinePixels', () => {
  it('stores the edges of every integer range exactly', () => {
    expect(values('uint8', [0, 255])).toEqual([0, 255]);
    expect(values('int8', [-128, 127])).toEqual([-128, 127]);
    expect(values('uint16', [0, 65535])).toEqual([0, 65535]);
    expect(values('int16', [-32768, 32767])).toEqual([-32768, 32767]);
    expect(values('uint32', [0, 4294967295])).toEqual([0, 4294967295]);
    expect(values('int32', [-2147483648, 2147483647])).toEqual([-2147483648, 2147483647]);
    expect(values('float32', [-1.5, 3.4e38])).toEqual([-1.5, Math.fround(3.4e38)]);
    expect(values('float64', [-1e300, 1e300])).toEqual([-1e300, 1e300]);
  });

  it.each([
    ['uint8', -1, /\/inline\/uint8\.tif: inline value 1 is -1, outside uint8's range 0\.\.255/],
    ['uint8', 256, /256, outside uint8's range 0\.\.255/],
    ['int8', 128, /outside int8's range -128\.\.127/],
    ['uint16', 65536, /outside uint16's range 0\.\.65535/],
    ['int16', -32769, /outside int16's range -32768\.\.32767/],
    ['uint32', -1, /outside uint32's range 0\.\.4294967295/],
    ['int32', 2147483648, /outside int32's range/],
    ['uint16', 1.5, /1\.5, not an integer \(uint16 holds whole numbers\)/],
    ['float32', 1e39, /outside float32's range/]
  ] as const)('refuses %s value %p', (dtype, bad, message) => {
    expect(() => inlinePixels(item(dtype, 2), [[0, bad]])).toThrow(InlinePixelsError);
    expect(() => inlinePixels(item(dtype, 2), [[0, bad]])).toThrow(message);
  });

  it('refuses nesting deeper than the shape and counts values without flattening them all', () => {
    expect(() => inlinePixels(item('uint8', 2), [[[0], [1]]])).toThrow(/nested deeper/);
    const many = new Array(1_000_000).fill(0);
    expect(() => inlinePixels(item('uint8', 2), [many])).toThrow(/more than 2 values/);
  });
});
