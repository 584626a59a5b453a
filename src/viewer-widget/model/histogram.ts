/**
 * Histograms of a displayed plane and contrast limits from its percentiles ("auto"
 * contrast, as napari and Fiji do), so 16-bit data does not look dark (napari #6534).
 */
import type { PlanePixels } from './plane.js';

export interface Histogram {
  /** Lower edge of bin 0 and upper edge of the last bin. */
  min: number;
  max: number;
  counts: Uint32Array;
  /** Finite pixels counted. */
  total: number;
  /** All counted pixels have one value (or none were counted). */
  flat: boolean;
}

/** Above this many pixels the histogram samples with a stride (percentiles barely move). */
const MAX_SAMPLES = 1 << 20;

/**
 * Exact bins for uint8 (256) and uint16 (65536, one per value); float32 gets `floatBins`
 * bins between its finite min and max (NaN and ±Inf are skipped).
 */
export function histogram(data: PlanePixels, floatBins = 4096): Histogram {
  const stride = Math.max(1, Math.ceil(data.length / MAX_SAMPLES));
  if (data instanceof Uint8Array || data instanceof Uint16Array) {
    const bins = data instanceof Uint8Array ? 256 : 65536;
    const counts = new Uint32Array(bins);
    let total = 0;
    let lo = bins;
    let hi = -1;
    for (let i = 0; i < data.length; i += stride) {
      const v = data[i];
      counts[v]++;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      total++;
    }
    return { min: 0, max: bins, counts, total, flat: hi <= lo };
  }
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i += stride) {
    const v = data[i];
    if (v < min) min = v; // NaN compares false and is skipped
    if (v > max) max = v;
  }
  const counts = new Uint32Array(floatBins);
  if (!Number.isFinite(min) || !Number.isFinite(max))
    return { min: 0, max: 1, counts, total: 0, flat: true };
  const width = max > min ? (max - min) / floatBins : 1;
  let total = 0;
  for (let i = 0; i < data.length; i += stride) {
    const v = data[i];
    if (!(v >= min && v <= max)) continue;
    counts[Math.min(floatBins - 1, Math.floor((v - min) / width))]++;
    total++;
  }
  return { min, max: max > min ? max : min + 1, counts, total, flat: max <= min };
}

/** The value below which `pct` percent of the pixels lie (bin resolution). */
export function percentile(h: Histogram, pct: number): number {
  if (h.total === 0) return h.min;
  const target = (Math.min(100, Math.max(0, pct)) / 100) * h.total;
  const width = (h.max - h.min) / h.counts.length;
  let seen = 0;
  for (let b = 0; b < h.counts.length; b++) {
    seen += h.counts[b];
    if (seen >= target && h.counts[b] > 0) return h.min + b * width;
  }
  return h.max;
}

/**
 * Contrast limits from the `low`–`high` percentiles of a plane (default 0.1–99.9 %).
 * The upper limit is the upper edge of its bin so the brightest kept value maps to 1;
 * a flat image gets a range of width 1 so the shader never divides by zero.
 */
export function autoContrast(data: PlanePixels, low = 0.1, high = 99.9): [number, number] {
  const h = histogram(data);
  if (h.flat) return h.total === 0 ? [0, 1] : [percentile(h, 50), percentile(h, 50) + 1];
  const width = (h.max - h.min) / h.counts.length;
  const lo = percentile(h, low);
  let hi = percentile(h, high) + (data instanceof Float32Array ? width : 0);
  if (!(hi > lo)) hi = lo + 1;
  return [lo, hi];
}

/** A histogram for a contrast slider: `bins` equal bins over [min, max]. */
export interface SliderHistogram {
  min: number;
  max: number;
  counts: Uint32Array;
}

/**
 * The histogram drawn under a contrast range slider: over the plane's finite values and the
 * current limits (so both handles are always on the track), in `bins` bins. uint8 always
 * spans 0–255.
 */
export function sliderHistogram(
  data: PlanePixels,
  limits: readonly [number, number],
  bins = 64
): SliderHistogram {
  const stride = Math.max(1, Math.ceil(data.length / MAX_SAMPLES));
  let min = Math.min(limits[0], data instanceof Uint8Array ? 0 : Infinity);
  let max = Math.max(limits[1], data instanceof Uint8Array ? 255 : -Infinity);
  for (let i = 0; i < data.length; i += stride) {
    const v = data[i];
    if (v < min) min = v; // NaN compares false
    if (v > max) max = v;
  }
  if (!(max > min)) max = min + 1;
  const counts = new Uint32Array(bins);
  const scale = bins / (max - min);
  for (let i = 0; i < data.length; i += stride) {
    const v = data[i];
    if (v >= min && v <= max) counts[Math.min(bins - 1, Math.floor((v - min) * scale))]++;
  }
  return { min, max, counts };
}
