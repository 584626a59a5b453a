import type { Dims } from './dims.js';

/**
 * The overlay text: the labels of the current position joined with ` | `, e.g.
 * `Well A01 | Ch1: DAPI | Z 2`. Labels come from the server (component names), with
 * OpenHCS's abbreviations as fallback.
 */
export function overlayText(dims: Dims): string {
  const parts: string[] = [];
  for (const axis of dims.axes) {
    const label = dims.label(axis.name);
    if (label) parts.push(label);
  }
  return parts.join(' | ');
}
