import { Image, ImageType, PixelTypes } from 'itk-wasm';
import {
  createNdArray,
  fromItkImage,
  toItkImage,
  validateNdArray,
  zerosNdArray,
  type NdArray
} from './image-data.js';

describe('NdArray', () => {
  it('creates and infers the dtype without copying', () => {
    const data = new Float32Array(6);
    const a = createNdArray(data, [2, 3]);
    expect(a.dtype).toBe('float32');
    expect(a.data).toBe(data);
    expect(zerosNdArray([2, 2, 2], 'int16').data).toBeInstanceOf(Int16Array);
  });

  it('rejects inconsistent arrays with a clear error', () => {
    expect(() => createNdArray(new Uint16Array(5), [2, 3])).toThrow(
      /shape \[2, 3\] holds 6 elements but data has 5/
    );
    expect(() => createNdArray(new Uint16Array(6), [2, 3], 'uint8')).toThrow(
      /dtype is 'uint8' but data is a Uint16Array/
    );
    expect(() => createNdArray(new Uint16Array(6), [2, -3])).toThrow(/whole numbers/);
    expect(() => createNdArray(new Uint16Array(6), [])).toThrow(/non-empty/);
    expect(() =>
      validateNdArray(
        { data: new Uint8ClampedArray(1) as unknown as Uint8Array, shape: [1], dtype: 'uint8' },
        'step X'
      )
    ).toThrow(/step X: data is a Uint8ClampedArray/);
    expect(() =>
      validateNdArray({ data: new Uint8Array(1), shape: [1], dtype: 'bool' as 'uint8' })
    ).toThrow(/dtype 'bool'/);
  });
});

describe('itk-wasm Image conversion', () => {
  it('shares the pixel buffer both ways for a 2D plane', () => {
    const a = createNdArray(
      Uint16Array.from({ length: 12 }, (_, i) => i),
      [3, 4]
    );
    const image = toItkImage(a);
    expect(image.imageType).toMatchObject({
      dimension: 2,
      componentType: 'uint16',
      pixelType: 'Scalar',
      components: 1
    });
    expect(image.size).toEqual([4, 3]);
    expect(image.data).toBe(a.data);
    const back = fromItkImage(image);
    expect(back.shape).toEqual([3, 4]);
    expect(back.data.buffer).toBe(a.data.buffer);
  });

  it('keeps 3D axis order ([z, y, x] ↔ size [x, y, z])', () => {
    const a = createNdArray(new Float64Array(2 * 3 * 5), [2, 3, 5]);
    const image = toItkImage(a);
    expect(image.size).toEqual([5, 3, 2]);
    expect(image.imageType.dimension).toBe(3);
    expect(fromItkImage(image).shape).toEqual([2, 3, 5]);
  });

  it('views bytes of another element type without copying and adds a component axis', () => {
    const image = new Image(new ImageType(2, 'float32', PixelTypes.RGB, 3));
    image.size = [2, 2];
    const bytes = new Uint8Array(2 * 2 * 3 * 4);
    image.data = bytes;
    const a: NdArray = fromItkImage(image);
    expect(a.shape).toEqual([2, 2, 3]);
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(a.data.buffer).toBe(bytes.buffer);
  });

  it('explains unsupported images', () => {
    const wide = new Image(new ImageType(2, 'int64', PixelTypes.Scalar, 1));
    wide.size = [1, 1];
    wide.data = new BigInt64Array(1) as never;
    expect(() => fromItkImage(wide)).toThrow(/component type 'int64'.*castImage/);
    const empty = new Image(new ImageType(2, 'uint8', PixelTypes.Scalar, 1));
    expect(() => fromItkImage(empty)).toThrow(/has no pixel data/);
  });
});
