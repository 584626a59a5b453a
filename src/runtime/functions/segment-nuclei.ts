/**
 * Nuclei segmentation and measurement in one step, for a channel stack [c, y, x] (a Step with
 * `variableComponents: ['channel']`): background subtraction, smoothing and an automatic
 * threshold of the nuclear channel, labeling, a watershed split of touching nuclei, size and
 * border filtering, then measurements of every nucleus in every channel (of the input as given).
 */
import type { NdArray } from '../model/image-data.js';
import type { MeasuredArray } from '../model/measurement-table.js';
import { Checker, type FunctionContext } from './checks.js';
import { gaussian, subtractBackground } from './filters.js';
import { components, keepLabels, splitTouching } from './labels.js';
import { channelName, regionMeasurements } from './measure.js';
import { openCv } from './opencv.js';
import { THRESHOLD_METHODS, thresholdValue, type ThresholdMethod } from './threshold.js';

/**
 * Segments the nuclei of plane `nucleiChannel` and measures them in all planes.
 * Returns the labels [1, y, x] (int32) with a table of one row per nucleus.
 * @param args.nucleiChannel - index of the nuclear plane in the stack, 0-based (default 0).
 * @param args.backgroundRadius - top-hat disk radius in pixels, 0 = none (default 0).
 * @param args.sigma - Gaussian smoothing before the threshold, 0 = none (default 1).
 * @param args.method - 'otsu' (default) or 'li'.
 * @param args.minDistance - watershed seed spacing in pixels, 0 = no split (default 5).
 * @param args.minArea / args.maxArea - kept areas in pixels (default 0 / no limit).
 * @param args.excludeBorder - drop nuclei touching the border (default false).
 */
export async function segmentNuclei(
  stack: NdArray,
  context?: FunctionContext
): Promise<MeasuredArray> {
  const check = new Checker('segmentNuclei', context);
  check.dtype(stack, ['uint8', 'uint16']);
  const { n, height, width } = check.planes(stack);
  const nucleiChannel = check.number('nucleiChannel', 0, { min: 0, max: n - 1, integer: true });
  const backgroundRadius = check.number('backgroundRadius', 0, {
    min: 0,
    max: 200,
    integer: true
  });
  const sigma = check.number('sigma', 1, { min: 0, max: 100 });
  const method = check.choice<ThresholdMethod>('method', 'otsu', THRESHOLD_METHODS);
  const minDistance = check.number('minDistance', 5, { min: 0, max: 100, integer: true });
  const minArea = check.number('minArea', 0, { min: 0, max: 2 ** 31, integer: true });
  const maxArea = check.number('maxArea', 2 ** 31, { min: minArea, max: 2 ** 31, integer: true });
  const excludeBorder = check.boolean('excludeBorder', false);

  const size = height * width;
  const plane = (i: number) => stack.data.subarray(i * size, (i + 1) * size);
  let nuclei: NdArray = { data: plane(nucleiChannel), shape: [height, width], dtype: stack.dtype };
  const inner = { ...context, args: {} };
  if (backgroundRadius > 0)
    nuclei = await subtractBackground(nuclei, { ...inner, args: { radius: backgroundRadius } });
  if (sigma > 0) nuclei = await gaussian(nuclei, { ...inner, args: { sigma } });
  const t = thresholdValue(nuclei.data, method);
  const mask = new Uint8Array(size);
  for (let i = 0; i < size; i++) mask[i] = nuclei.data[i] > t ? 1 : 0;
  const cv = await openCv();
  const planeSize = { height, width };
  const split =
    minDistance > 0
      ? splitTouching(cv, mask, planeSize, minDistance)
      : components(cv, mask, planeSize, 8);
  const labels = keepLabels(split, planeSize, { minArea, maxArea, excludeBorder });
  const channels = Array.from({ length: n }, (_, i) => ({
    name: channelName(context, i),
    plane: plane(i)
  }));
  return {
    data: labels,
    shape: [1, height, width],
    dtype: 'int32',
    table: regionMeasurements(labels, width, channels)
  };
}
