/**
 * Intensity operations: percentile normalization and projections of a stack. Plain loops over
 * typed arrays (as numpy does them); no library offers these on typed arrays any faster.
 */
import { DTYPES, INTEGER_RANGES, type TypedArray } from '../../protocol/index.js';
import type { NdArray } from '../model/image-data.js';
import { Checker, type FunctionContext } from './checks.js';
import { mapPlanes } from './planes.js';

/**
 * Rescales each plane so that its `low` percentile maps to 0 and its `high` percentile to 1,
 * clipped to [0, 1], as `np.clip((x - p_low) / (p_high - p_low), 0, 1)` with numpy's linear
 * percentiles. Returns float32.
 * @param args.low - lower percentile, ≥ 0 and < high (default 1).
 * @param args.high - upper percentile, > low and ≤ 100 (default 99.8).
 */
export async function normalizePercentile(
  stack: NdArray,
  context?: FunctionContext
): Promise<NdArray> {
  const check = new Checker('normalizePercentile', context);
  check.dtype(stack, DTYPES);
  const low = check.number('low', 1, { min: 0, max: 100 });
  const high = check.number('high', 99.8, { min: 0, max: 100 });
  if (low >= high) check.fail(`parameter low = ${low} must be below high = ${high}`);
  return mapPlanes(stack, check, 'float32', (plane, out) => {
    const [lo, hi] = percentiles(plane, [low, high]);
    const scale = hi > lo ? 1 / (hi - lo) : 0;
    for (let i = 0; i < plane.length; i++) {
      const v = (plane[i] - lo) * scale;
      out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  });
}

/**
 * numpy's default ('linear') percentiles of the values. Integer planes of ≤ 16 bits go through
 * a histogram (exact, O(n)); others through a sorted copy.
 */
export function percentiles(values: TypedArray, qs: readonly number[]): number[] {
  const n = values.length;
  if (n === 0) return qs.map(() => NaN);
  const at = (rank: (k: number) => number) =>
    qs.map(q => {
      const pos = ((n - 1) * q) / 100;
      const k = Math.floor(pos);
      const a = rank(k);
      return k + 1 < n ? a + (rank(k + 1) - a) * (pos - k) : a;
    });
  const range = INTEGER_RANGES[dtypeName(values)];
  if (range && range[1] - range[0] <= 65535) {
    const counts = new Uint32Array(range[1] - range[0] + 1);
    for (let i = 0; i < n; i++) counts[values[i] - range[0]]++;
    const cumulative = new Float64Array(counts.length);
    let sum = 0;
    for (let v = 0; v < counts.length; v++) cumulative[v] = sum += counts[v];
    return at(k => {
      let lo = 0;
      let hi = counts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid] > k) hi = mid;
        else lo = mid + 1;
      }
      return lo + range[0];
    });
  }
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  return at(k => sorted[k]);
}

function dtypeName(values: TypedArray): keyof typeof INTEGER_RANGES {
  if (values instanceof Uint8Array) return 'uint8';
  if (values instanceof Int8Array) return 'int8';
  if (values instanceof Uint16Array) return 'uint16';
  if (values instanceof Int16Array) return 'int16';
  return 'float32';
}

/** The planes of a stack [n, y, x] (a plane counts as a stack of one). */
function stackOf(stack: NdArray, check: Checker) {
  const { n, height, width } = check.planes(stack);
  const size = height * width;
  return {
    n,
    size,
    shape: [1, height, width],
    plane: (i: number) => stack.data.subarray(i * size, (i + 1) * size)
  };
}

/** Maximum over the planes of the stack → one plane [1, y, x] of the same dtype (`np.max(axis=0)`). */
export function maxProjection(stack: NdArray, context?: FunctionContext): NdArray {
  const check = new Checker('maxProjection', context);
  const s = stackOf(stack, check);
  const out = stack.data.slice(0, s.size);
  for (let p = 1; p < s.n; p++) {
    const plane = s.plane(p);
    for (let i = 0; i < s.size; i++) if (plane[i] > out[i]) out[i] = plane[i];
  }
  return { data: out, shape: s.shape, dtype: stack.dtype };
}

/** Mean over the planes → one float32 plane [1, y, x] (`np.mean(axis=0)`). */
export function meanProjection(stack: NdArray, context?: FunctionContext): NdArray {
  const check = new Checker('meanProjection', context);
  const s = stackOf(stack, check);
  const sum = sumInto(s, new Float64Array(s.size));
  const out = new Float32Array(s.size);
  for (let i = 0; i < s.size; i++) out[i] = sum[i] / s.n;
  return { data: out, shape: s.shape, dtype: 'float32' };
}

/**
 * Sum over the planes → one plane [1, y, x]: float32 for float input, else float64 so that no
 * sum overflows (numpy gives uint64/int64, which NdArray has not).
 */
export function sumProjection(stack: NdArray, context?: FunctionContext): NdArray {
  const check = new Checker('sumProjection', context);
  const s = stackOf(stack, check);
  const sum = sumInto(s, new Float64Array(s.size));
  if (stack.dtype === 'float32')
    return { data: Float32Array.from(sum), shape: s.shape, dtype: 'float32' };
  return { data: sum, shape: s.shape, dtype: 'float64' };
}

function sumInto(s: ReturnType<typeof stackOf>, sum: Float64Array): Float64Array {
  for (let p = 0; p < s.n; p++) {
    const plane = s.plane(p);
    for (let i = 0; i < s.size; i++) sum[i] += plane[i];
  }
  return sum;
}
