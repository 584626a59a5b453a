/** Pixel types carried on the wire; names follow numpy so OpenHCS producers interoperate. */
export const DTYPES = [
  'uint8',
  'int8',
  'uint16',
  'int16',
  'uint32',
  'int32',
  'float32',
  'float64'
] as const;
export type Dtype = (typeof DTYPES)[number];

export type TypedArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

type TypedArrayCtor = {
  new (length: number): TypedArray;
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): TypedArray;
  readonly BYTES_PER_ELEMENT: number;
};

const CTORS: Record<Dtype, TypedArrayCtor> = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array
};

/** [min, max] of each integer dtype (float dtypes have none). */
export const INTEGER_RANGES: Readonly<Partial<Record<Dtype, readonly [number, number]>>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  uint16: [0, 65535],
  int16: [-32768, 32767],
  uint32: [0, 4294967295],
  int32: [-2147483648, 2147483647]
};

export function isDtype(value: unknown): value is Dtype {
  return typeof value === 'string' && (DTYPES as readonly string[]).includes(value);
}

export function typedArrayCtor(dtype: Dtype): TypedArrayCtor {
  return CTORS[dtype];
}

export function bytesPerElement(dtype: Dtype): number {
  return CTORS[dtype].BYTES_PER_ELEMENT;
}

/** The dtype of a typed array, e.g. `Uint16Array` → `uint16`. */
export function dtypeOf(array: TypedArray): Dtype {
  for (const dtype of DTYPES) {
    if (array instanceof CTORS[dtype]) return dtype;
  }
  throw new TypeError(`Unsupported typed array ${Object.prototype.toString.call(array)}`);
}

/**
 * A typed-array view over raw bytes without copying when the offset is aligned;
 * unaligned input (possible in a multipart frame) is copied once.
 */
export function viewAs(dtype: Dtype, bytes: Uint8Array): TypedArray {
  const Ctor = CTORS[dtype];
  const size = Ctor.BYTES_PER_ELEMENT;
  if (bytes.byteLength % size !== 0) {
    throw new RangeError(`${bytes.byteLength} bytes is not a whole number of ${dtype} elements`);
  }
  if (bytes.byteOffset % size === 0) {
    return new Ctor(bytes.buffer, bytes.byteOffset, bytes.byteLength / size);
  }
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Ctor(copy.buffer, 0, bytes.byteLength / size);
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
