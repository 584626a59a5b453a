/**
 * The n-dimensional array every room of the runtime passes around: a typed array in C order,
 * its shape (slowest axis first, e.g. [z, y, x]) and its dtype.
 */
import type { Dtype, TypedArray } from '../protocol/index.js';

export interface NdArray {
  readonly data: TypedArray;
  readonly shape: readonly number[];
  readonly dtype: Dtype;
}
