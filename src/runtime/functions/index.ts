/**
 * `jupyterlab-pipeline-viewer/functions`: step functions for image analysis. Each takes a stack
 * [n, y, x] (or a plane) and a StepContext whose `args` are its parameters, so it serves as a
 * Step's `func` directly (inline, in this process) or through `fn(name, args)` as a module
 * function on the worker pool. Docs: docs/functions.md.
 */
import type { ModuleFunction } from '../model/step.js';

export { FunctionInputError, type FunctionContext } from './checks.js';
export { gaussian, median, subtractBackground } from './filters.js';
export {
  maxProjection,
  meanProjection,
  normalizePercentile,
  percentiles,
  sumProjection
} from './intensity.js';
export { thresholdLi, thresholdOtsu, thresholdValue, type ThresholdMethod } from './threshold.js';
export { filterLabels, labelComponents, watershedSplit } from './labels.js';
export { measureRegions, regionMeasurements, type MeasuredChannel } from './measure.js';
export { segmentNuclei } from './segment-nuclei.js';

/** The names `fn` accepts. */
export const FUNCTION_NAMES = [
  'gaussian',
  'median',
  'subtractBackground',
  'normalizePercentile',
  'maxProjection',
  'meanProjection',
  'sumProjection',
  'thresholdOtsu',
  'thresholdLi',
  'labelComponents',
  'watershedSplit',
  'filterLabels',
  'measureRegions',
  'segmentNuclei'
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/**
 * A module-function reference to one of these functions, for a Step's `func`: it runs on the
 * worker pool. `fn('gaussian', { sigma: 2 })`.
 */
export function fn(name: FunctionName, args: Record<string, unknown> = {}): ModuleFunction {
  if (!(FUNCTION_NAMES as readonly string[]).includes(name))
    throw new Error(
      `fn: unknown function '${String(name)}'; allowed: ${FUNCTION_NAMES.join(', ')}`
    );
  return { module: import.meta.url, export: name, args };
}
