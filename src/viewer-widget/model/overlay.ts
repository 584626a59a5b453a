import type { Dims } from './dims.js';

/**
 * The overlay's labels of the current position, e.g. `['Well A01', 'Ch1: DAPI', 'Z 2']`:
 * one per axis, also for an axis with a single value (it has no slider row, so the overlay
 * is where its value is read). Labels come from the server (component names), with
 * OpenHCS's abbreviations as fallback. The view keeps each label on one line.
 */
export function overlayLabels(dims: Dims): string[] {
  const parts: string[] = [];
  for (const axis of dims.axes) {
    const label = dims.label(axis.name);
    if (label) parts.push(label);
  }
  return parts;
}

/** The overlay as one string, labels joined with ` | ` (what the overlay's text reads). */
export function overlayText(dims: Dims): string {
  return overlayLabels(dims).join(OVERLAY_SEPARATOR);
}

export const OVERLAY_SEPARATOR = ' | ';
