/**
 * Automatic thresholds, Otsu and Li, per plane, ported from scikit-image 0.26
 * (`skimage.filters.threshold_otsu` / `threshold_li`, BSD-3-Clause) so they give its values:
 * integer planes use one histogram bin per grey level between the plane's min and max, float
 * planes 256 bins (Otsu) or the values themselves (Li). The step functions return masks
 * (uint8, 1 above the threshold), as `image > threshold_otsu(image)`.
 * image-js has both, but measured 1.7× slower, cannot take float planes, and its CommonJS
 * dependencies do not load in jest's ES-module mode (docs/functions.md).
 */
import type { Dtype, TypedArray } from '../../protocol/index.js';
import type { NdArray } from '../model/image-data.js';
import { Checker, type FunctionContext } from './checks.js';
import { mapPlanes } from './planes.js';

export type ThresholdMethod = 'otsu' | 'li';
export const THRESHOLD_METHODS: readonly ThresholdMethod[] = ['otsu', 'li'];
/** Dtypes the thresholds take (wider integers would need a histogram of up to 2³² bins). */
export const THRESHOLD_DTYPES: readonly Dtype[] = [
  'uint8',
  'int8',
  'uint16',
  'int16',
  'float32',
  'float64'
];

interface Histogram {
  counts: Float64Array;
  centers: Float64Array;
}

function extent(values: TypedArray): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** skimage.exposure.histogram(image, source_range='image'): integers one bin per value. */
function histogram(values: TypedArray, [lo, hi]: [number, number], integer: boolean): Histogram {
  if (integer) {
    const counts = new Float64Array(hi - lo + 1);
    for (let i = 0; i < values.length; i++) counts[values[i] - lo]++;
    return { counts, centers: Float64Array.from(counts, (_, k) => lo + k) };
  }
  const bins = 256;
  const counts = new Float64Array(bins);
  const scale = bins / (hi - lo);
  for (let i = 0; i < values.length; i++)
    counts[Math.min(bins - 1, Math.floor((values[i] - lo) * scale))]++;
  return { counts, centers: Float64Array.from(counts, (_, k) => lo + (k + 0.5) / scale) };
}

/**
 * uint8/uint16: the histogram in one pass over the pixels (counts over the whole dtype, then
 * cut to [min, max]), instead of a pass for the extent and another for the counts.
 */
function unsignedHistogram(
  values: TypedArray
): { range: [number, number]; histogram: Histogram } | null {
  if (!(values instanceof Uint16Array || values instanceof Uint8Array)) return null;
  const full = new Float64Array(values instanceof Uint8Array ? 256 : 65536);
  for (let i = 0; i < values.length; i++) full[values[i]]++;
  let lo = 0;
  while (lo < full.length - 1 && full[lo] === 0) lo++;
  let hi = full.length - 1;
  while (hi > lo && full[hi] === 0) hi--;
  const counts = full.slice(lo, hi + 1);
  const centers = new Float64Array(counts.length);
  for (let k = 0; k < centers.length; k++) centers[k] = lo + k;
  return { range: [lo, hi], histogram: { counts, centers } };
}

/** Otsu's threshold of the values (scikit-image's `threshold_otsu`). */
export function otsuThreshold(values: TypedArray, integer: boolean): number {
  const unsigned = unsignedHistogram(values);
  const range = unsigned?.range ?? extent(values);
  if (range[0] === range[1]) return range[0];
  const { counts, centers } = unsigned?.histogram ?? histogram(values, range, integer);
  const n = counts.length;
  const w1 = new Float64Array(n);
  const m1 = new Float64Array(n);
  let w = 0;
  let s = 0;
  for (let k = 0; k < n; k++) {
    w += counts[k];
    s += counts[k] * centers[k];
    w1[k] = w;
    m1[k] = s / w;
  }
  let best = -1;
  let idx = 0;
  let w2 = 0;
  let s2 = 0;
  // Walk down so that class 2 (above bin k) accumulates as k falls.
  const v12 = new Float64Array(n - 1);
  for (let k = n - 1; k >= 1; k--) {
    w2 += counts[k];
    s2 += counts[k] * centers[k];
    const d = m1[k - 1] - s2 / w2;
    v12[k - 1] = w1[k - 1] * w2 * d * d;
  }
  for (let k = 0; k < n - 1; k++)
    if (v12[k] > best) {
      best = v12[k];
      idx = k;
    }
  return centers[idx];
}

/** Li's minimum cross-entropy threshold (scikit-image's `threshold_li`, default start: the mean). */
export function liThreshold(values: TypedArray, integer: boolean): number {
  const range = extent(values);
  if (range[0] === range[1]) return range[0];
  const lo = range[0];
  // Shift to positive values, as skimage does (log of the means).
  let hist: Histogram;
  if (integer) {
    hist = histogram(values, range, true);
    for (let k = 0; k < hist.centers.length; k++) hist.centers[k] -= lo;
  } else {
    const shifted = Float64Array.from(values as ArrayLike<number>, v => v - lo);
    hist = { counts: new Float64Array(shifted.length).fill(1), centers: shifted };
  }
  const { counts, centers } = hist;
  let total = 0;
  let sum = 0;
  for (let k = 0; k < counts.length; k++) {
    total += counts[k];
    sum += counts[k] * centers[k];
  }
  const tolerance = integer ? 0.5 : smallestStep(centers) / 2;
  let next = sum / total;
  let current = -2 * tolerance;
  for (let iteration = 0; Math.abs(next - current) > tolerance && iteration < 1000; iteration++) {
    current = next;
    let wf = 0;
    let sf = 0;
    let wb = 0;
    let sb = 0;
    for (let k = 0; k < counts.length; k++) {
      if (centers[k] > current) {
        wf += counts[k];
        sf += counts[k] * centers[k];
      } else {
        wb += counts[k];
        sb += counts[k] * centers[k];
      }
    }
    const meanBack = sb / wb;
    const meanFore = sf / wf;
    if (meanBack === 0) break;
    next = (meanBack - meanFore) / (Math.log(meanBack) - Math.log(meanFore));
  }
  return next + lo;
}

function smallestStep(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  let step = Infinity;
  for (let i = 1; i < sorted.length; i++) {
    const d = sorted[i] - sorted[i - 1];
    if (d > 0 && d < step) step = d;
  }
  return step;
}

/** The threshold of one plane by `method`: pixels above it are foreground. */
export function thresholdValue(values: TypedArray, method: ThresholdMethod): number {
  const integer = !(values instanceof Float32Array || values instanceof Float64Array);
  return method === 'otsu' ? otsuThreshold(values, integer) : liThreshold(values, integer);
}

function thresholdStep(method: ThresholdMethod, name: string) {
  return async (stack: NdArray, context?: FunctionContext): Promise<NdArray> => {
    const check = new Checker(name, context);
    check.dtype(stack, THRESHOLD_DTYPES);
    return mapPlanes(stack, check, 'uint8', (plane, out) => {
      const t = thresholdValue(plane, method);
      for (let i = 0; i < plane.length; i++) out[i] = plane[i] > t ? 1 : 0;
    });
  };
}

/** Otsu's threshold per plane → mask (uint8 0/1), as `image > threshold_otsu(image)`. */
export const thresholdOtsu = thresholdStep('otsu', 'thresholdOtsu');

/** Li's threshold per plane → mask (uint8 0/1), as `image > threshold_li(image)`. */
export const thresholdLi = thresholdStep('li', 'thresholdLi');
