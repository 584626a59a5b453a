/**
 * The n-dimensional array every room of the runtime passes around: a typed array in C order,
 * its shape (slowest axis first, e.g. [z, y, x]) and its dtype.
 */
import { Image, ImageType, PixelTypes } from 'itk-wasm';
import { DTYPES, dtypeOf, elementCount, isDtype, typedArrayCtor } from '../../protocol/index.js';
import type { Dtype, TypedArray } from '../../protocol/index.js';

export interface NdArray {
  readonly data: TypedArray;
  readonly shape: readonly number[];
  readonly dtype: Dtype;
}

// ---- Construction and checks ------------------------------------------------------------------

/**
 * Wraps `data` as an NdArray after checking it: the shape must be whole non-negative numbers and
 * its product must equal `data.length`; `dtype` (when given) must match the typed array.
 * The data is not copied.
 */
export function createNdArray(data: TypedArray, shape: readonly number[], dtype?: Dtype): NdArray {
  const array: NdArray = { data, shape: [...shape], dtype: dtype ?? dtypeOf(data) };
  validateNdArray(array);
  return array;
}

/** A zero-filled array of that shape and dtype. */
export function zerosNdArray(shape: readonly number[], dtype: Dtype): NdArray {
  checkShape(shape, 'zerosNdArray');
  const Ctor = typedArrayCtor(dtype);
  return { data: new Ctor(elementCount(shape)), shape: [...shape], dtype };
}

/** Throws a clear error when the array is inconsistent; `where` says whose array it is. */
export function validateNdArray(array: NdArray, where = 'NdArray'): void {
  if (!array || typeof array !== 'object')
    throw new TypeError(`${where}: expected {data, shape, dtype}, got ${String(array)}`);
  if (!isDtype(array.dtype)) {
    throw new TypeError(
      `${where}: dtype '${String(array.dtype)}' is not one of ${DTYPES.join(', ')}`
    );
  }
  if (!ArrayBuffer.isView(array.data)) throw new TypeError(`${where}: data must be a typed array`);
  let actual: Dtype;
  try {
    actual = dtypeOf(array.data);
  } catch {
    throw new TypeError(
      `${where}: data is a ${array.data.constructor.name}, which has no dtype; use one of ${DTYPES.join(', ')}`
    );
  }
  if (actual !== array.dtype) {
    throw new TypeError(
      `${where}: dtype is '${array.dtype}' but data is a ${array.data.constructor.name} (${actual})`
    );
  }
  checkShape(array.shape, where);
  const expected = elementCount(array.shape);
  if (expected !== array.data.length) {
    throw new RangeError(
      `${where}: shape [${array.shape.join(', ')}] holds ${expected} elements but data has ${array.data.length}; ` +
        'the shape (slowest axis first, e.g. [z, y, x]) must multiply to the data length'
    );
  }
}

function checkShape(shape: readonly number[], where: string): void {
  if (
    !Array.isArray(shape) ||
    shape.length === 0 ||
    !shape.every(n => Number.isInteger(n) && n >= 0)
  ) {
    throw new RangeError(
      `${where}: shape must be a non-empty list of whole numbers ≥ 0, got [${String(shape)}]`
    );
  }
}

// ---- itk-wasm Image ---------------------------------------------------------------------------

/**
 * The array as an itk-wasm `Image` sharing the same pixel buffer (no copy). itk-wasm orders
 * `size` fastest axis first, so shape `[z, y, x]` becomes size `[x, y, z]`. Spacing 1, origin 0.
 */
export function toItkImage(array: NdArray): Image {
  validateNdArray(array, 'toItkImage');
  const image = new Image(new ImageType(array.shape.length, array.dtype, PixelTypes.Scalar, 1));
  image.size = [...array.shape].reverse();
  image.data = array.data;
  return image;
}

/**
 * The pixels of an itk-wasm `Image` as an NdArray over the same buffer (no copy). Scalar images
 * give shape `[…, y, x]`; multi-component pixels (RGB, vectors) add a last axis of length
 * `components`. 64-bit integer images have no NdArray dtype: cast them first (itk-wasm castImage).
 */
export function fromItkImage(image: Image): NdArray {
  const { componentType, components } = image.imageType;
  if (!isDtype(componentType)) {
    throw new TypeError(
      `fromItkImage: component type '${componentType}' of image '${image.name}' is not supported; ` +
        `cast it to one of ${DTYPES.join(', ')} (itk-wasm castImage(image, {componentType}))`
    );
  }
  if (!image.data)
    throw new TypeError(
      `fromItkImage: image '${image.name}' has no pixel data (read with informationOnly?)`
    );
  const shape = [...image.size].reverse();
  if (components > 1) shape.push(components);
  const Ctor = typedArrayCtor(componentType);
  // itk-wasm may hand back a typed array of another element type over the right bytes; view it.
  const data =
    image.data instanceof Ctor
      ? image.data
      : new Ctor(
          image.data.buffer,
          image.data.byteOffset,
          image.data.byteLength / Ctor.BYTES_PER_ELEMENT
        );
  return createNdArray(data, shape, componentType);
}
