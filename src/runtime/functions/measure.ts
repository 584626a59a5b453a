/**
 * Region measurements: per label its area, centroid and mean / min / max intensity in every
 * channel, as `skimage.measure.regionprops_table(labels, intensity_image, properties=('label',
 * 'area', 'centroid', 'intensity_mean', 'intensity_min', 'intensity_max'))`. One pass over the
 * pixels per channel; no library measures typed arrays any faster.
 */
import type { TypedArray } from '../../protocol/index.js';
import type { NdArray } from '../model/image-data.js';
import type { MeasuredArray, MeasurementTable } from '../model/measurement-table.js';
import { Checker, type FunctionContext } from './checks.js';

export interface MeasuredChannel {
  /** Used in the column names: `mean_<name>`, `min_<name>`, `max_<name>`. */
  name: string;
  plane: TypedArray;
}

/** One row per label present (ascending): label, area, centroid_y, centroid_x, then per channel mean, min, max. */
export function regionMeasurements(
  labels: TypedArray,
  width: number,
  channels: readonly MeasuredChannel[]
): MeasurementTable {
  let max = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
  const area = new Float64Array(max + 1);
  const sumY = new Float64Array(max + 1);
  const sumX = new Float64Array(max + 1);
  for (let i = 0, y = 0, x = 0; i < labels.length; i++) {
    const l = labels[i];
    area[l]++;
    sumY[l] += y;
    sumX[l] += x;
    if (++x === width) {
      x = 0;
      y++;
    }
  }
  const stats = channels.map(({ plane }) => {
    const sum = new Float64Array(max + 1);
    const lo = new Float64Array(max + 1).fill(Infinity);
    const hi = new Float64Array(max + 1).fill(-Infinity);
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i];
      const v = plane[i];
      sum[l] += v;
      if (v < lo[l]) lo[l] = v;
      if (v > hi[l]) hi[l] = v;
    }
    return { sum, lo, hi };
  });
  const columns = ['label', 'area', 'centroid_y', 'centroid_x'];
  for (const c of channels) columns.push(`mean_${c.name}`, `min_${c.name}`, `max_${c.name}`);
  const rows: number[][] = [];
  for (let l = 1; l <= max; l++) {
    if (area[l] === 0) continue;
    const row = [l, area[l], sumY[l] / area[l], sumX[l] / area[l]];
    for (const s of stats) row.push(s.sum[l] / area[l], s.lo[l], s.hi[l]);
    rows.push(row);
  }
  return { columns, rows };
}

/** Column-name part for plane i of a stack: its channel (`ch2`), else its position (`plane2`). */
export function channelName(context: FunctionContext | undefined, index: number): string {
  const channel = context?.planes?.[index]?.channel;
  return channel === undefined || channel === null ? `plane${index + 1}` : `ch${channel}`;
}

/**
 * Measures the objects of a labels plane in the other planes of the stack. The stack's LAST
 * plane holds the labels (integers, 0 = background), the planes before it the intensities
 * (e.g. a channel stack with labels appended). Returns the labels plane [1, y, x] with the
 * table (see `regionMeasurements`). `segmentNuclei` segments and measures in one step.
 */
export function measureRegions(stack: NdArray, context?: FunctionContext): MeasuredArray {
  const check = new Checker('measureRegions', context);
  const { n, height, width } = check.planes(stack);
  if (n < 2)
    check.fail(
      `needs a stack [n, y, x] of n ≥ 2 planes (intensities, then labels last), got shape [${stack.shape.join(', ')}]`
    );
  const size = height * width;
  const plane = (i: number) => stack.data.subarray(i * size, (i + 1) * size);
  const labels = plane(n - 1);
  for (let i = 0; i < size; i++)
    if (labels[i] < 0 || !Number.isInteger(labels[i]))
      check.fail(`the last plane must hold labels (integers ≥ 0); pixel ${i} is ${labels[i]}`);
  const channels = Array.from({ length: n - 1 }, (_, i) => ({
    name: channelName(context, i),
    plane: plane(i)
  }));
  return {
    data: labels.slice(),
    shape: [1, height, width],
    dtype: stack.dtype,
    table: regionMeasurements(labels, width, channels)
  };
}
