/**
 * Slider labels as OpenHCS's napari viewer shows them: `Ch1: DAPI` for a named channel,
 * else an abbreviation and the value (`Ch 2`, `Z 3`, `T 1`, `Site 4`, `Well A01`).
 */
import type { Component, ComponentNames } from '../../protocol/index.js';
import type { AxisValue } from './component-value.js';

const ABBREVIATION: Record<Component, string> = {
  source: 'Step',
  well: 'Well',
  site: 'Site',
  channel: 'Ch',
  z_index: 'Z',
  timepoint: 'T'
};

export function axisLabel(component: Component, value: AxisValue, names: ComponentNames): string {
  const abbreviation = ABBREVIATION[component];
  if (value === '') return `${abbreviation} (none)`;
  const name = names[component]?.[String(value)];
  if (name !== undefined && component === 'channel') return `Ch${value}: ${name}`;
  if (name !== undefined) return `${abbreviation} ${value}: ${name}`;
  return `${abbreviation} ${value}`;
}
