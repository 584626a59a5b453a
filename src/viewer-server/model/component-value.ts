/**
 * Normalised component values of one image. Producers send numbers or numeric strings
 * ("001") for site/channel/z/timepoint; they are compared as numbers so axes sort 1, 2, 10.
 * A value the producer did not send (a file name without `_z`) gets a default instead of
 * crashing the axis (OpenHCS mistake 6).
 */
import type { Component, ComponentValue } from '../../protocol/index.js';

export type AxisValue = string | number;

const NUMERIC: ReadonlySet<Component> = new Set(['site', 'channel', 'z_index', 'timepoint']);

/** Components whose axis is widened to 1..max, as OpenHCS does. */
export const WIDENED: ReadonlySet<Component> = new Set(['channel', 'z_index', 'timepoint']);

/** The value a component takes when an image lacks it: plane 1 of a numeric axis, else ''. */
export function missingValue(component: Component): AxisValue {
  return NUMERIC.has(component) ? 1 : '';
}

/** `null` when the image has no value for `component`. */
export function normaliseValue(
  component: Component,
  value: ComponentValue | undefined
): AxisValue | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'string' && NUMERIC.has(component) && /^[+-]?\d+$/.test(value.trim())) {
    return Number(value.trim());
  }
  return value;
}

/** Numbers numerically, then strings lexically (well names). */
export function compareValues(a: AxisValue, b: AxisValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
