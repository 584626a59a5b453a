import type { AxisValue } from './plane.js';

/** Numbers numerically before strings; strings lexically (`A01` < `A02` < `B01`), as the server sorts. */
export function compareAxisValues(a: AxisValue, b: AxisValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A key that identifies a tuple of axis values (cache keys, request keys). */
export function valuesKey(values: readonly AxisValue[]): string {
  return values.map(v => (typeof v === 'number' ? `n${v}` : `s${v}`)).join('\u0001');
}

/** A key that identifies one plane of a layer at any level (caches, revisions, failures). */
export function planeKey(layer: string, values: readonly AxisValue[]): string {
  return `${layer}\u0000${valuesKey(values)}`;
}

const ABBREVIATIONS: Record<string, string> = {
  well: 'Well',
  site: 'Site',
  channel: 'Ch',
  z_index: 'Z',
  timepoint: 'T',
  source: 'Step'
};

/** Fallback label when the server sent none for a value, in OpenHCS's words (`Z 3`, `Ch 2`). */
export function defaultLabel(axis: string, value: AxisValue): string {
  return `${ABBREVIATIONS[axis] ?? axis} ${value}`;
}
