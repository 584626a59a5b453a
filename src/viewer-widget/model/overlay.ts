import { COMPONENTS } from '../../protocol/components.js';
import { channelName } from './channel-colors.js';
import type { Dims, DimsAxis } from './dims.js';

/**
 * The overlay's labels of the current position, e.g. `['Well A01', 'Ch1: DAPI', 'Z 2']`:
 * one per axis, also for an axis with a single value (it has no slider row, so the overlay
 * is where its value is read). Labels come from the server (component names), with
 * OpenHCS's abbreviations as fallback. The view keeps each label on one line.
 */
export function overlayLabels(dims: Dims, composite: DimsAxis | null = null): string[] {
  const parts: string[] = [];
  let channelDone = composite === null;
  const rank = (name: string) => COMPONENTS.indexOf(name as (typeof COMPONENTS)[number]);
  for (const axis of dims.axes) {
    if (!channelDone && rank(axis.name) > rank('channel')) {
      parts.push(compositeLabel(composite!));
      channelDone = true;
    }
    const label = dims.label(axis.name);
    if (label) parts.push(label);
  }
  if (!channelDone) parts.push(compositeLabel(composite!));
  return parts;
}

/**
 * A composite's channel axis has no slider and no position: the overlay names every channel
 * where the channel's label would be, by name as the layer list does, `DAPI + GFP` (short:
 * the overlay must fit a narrow panel).
 */
function compositeLabel(axis: DimsAxis): string {
  return axis.values.map((v, i) => channelName(axis.labels[i], v)).join(' + ');
}

/** The overlay as one string, labels joined with ` | ` (what the overlay's text reads). */
export function overlayText(dims: Dims): string {
  return overlayLabels(dims).join(OVERLAY_SEPARATOR);
}

export const OVERLAY_SEPARATOR = ' | ';
