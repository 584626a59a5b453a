/** Plane-by-plane helpers: step functions get a stack [n, y, x] and most work on each plane. */
import {
  INTEGER_RANGES,
  typedArrayCtor,
  type Dtype,
  type TypedArray
} from '../../protocol/index.js';
import type { NdArray } from '../model/image-data.js';
import type { Checker } from './checks.js';

export interface PlaneSize {
  height: number;
  width: number;
}

/**
 * Applies `fn` to each plane of a plane or stack; the result keeps the input's shape (a plane
 * stays [y, x]) and takes `dtype`. `fn` writes plane i of the output into `out`.
 */
export async function mapPlanes(
  array: NdArray,
  check: Checker,
  dtype: Dtype,
  fn: (plane: TypedArray, out: TypedArray, size: PlaneSize, index: number) => void | Promise<void>
): Promise<NdArray> {
  const { n, height, width } = check.planes(array);
  const size = height * width;
  const Ctor = typedArrayCtor(dtype);
  const data = new Ctor(n * size);
  for (let i = 0; i < n; i++)
    await fn(
      array.data.subarray(i * size, (i + 1) * size),
      data.subarray(i * size, (i + 1) * size),
      { height, width },
      i
    );
  return { data, shape: [...array.shape], dtype };
}

/** Copies float values into `out`, rounded and clamped when `out` holds integers. */
export function castInto(values: ArrayLike<number>, out: TypedArray, dtype: Dtype): void {
  const range = INTEGER_RANGES[dtype];
  if (!range) {
    (out as Float32Array).set(values);
    return;
  }
  const [lo, hi] = range;
  for (let i = 0; i < out.length; i++) {
    const v = Math.round(values[i]);
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
}
