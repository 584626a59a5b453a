/**
 * The pixel readout: under a point of the image, the value of each layer drawn there, like
 * napari's status bar. No DOM; the view lays the parts out.
 */
import type { PixelSize } from '../../protocol/messages.js';
import type { Plane } from './plane.js';
import { formatLength, unitSymbol } from './scale-bar.js';

/** A layer as drawn: its plane (maybe a downsampled level) and its full-resolution shape. */
export interface ReadoutLayer {
  key: string;
  /** The name shown (a channel's name in a composite); the key when absent. */
  label?: string;
  plane: Plane;
  /** [height, width] at full resolution. */
  fullShape: readonly [number, number];
}

export interface PixelReadout {
  /** Full-resolution pixel row and column under the point. */
  y: number;
  x: number;
  values: { key: string; value: number }[];
  /** Physical size of a pixel, when known: the point is also given in its unit. */
  pixelSize?: PixelSize;
}

/** Values at image point (x, y) (full-resolution pixels); null where no layer has a pixel. */
export function readoutAt(
  layers: readonly ReadoutLayer[],
  x: number,
  y: number,
  pixelSize?: PixelSize
): PixelReadout | null {
  const values: PixelReadout['values'] = [];
  for (const layer of layers) {
    const value = valueAt(layer.plane, layer.fullShape, x, y);
    if (value !== null) values.push({ key: layer.label ?? layer.key, value });
  }
  if (!values.length) return null;
  return { y: Math.floor(y), x: Math.floor(x), values, ...(pixelSize ? { pixelSize } : {}) };
}

/**
 * The parts of a readout as shown, in order: `[y, x] [12, 40]`, with a pixel size the point
 * in its unit (`[3.9, 13] µm`: index × pixel size, as napari's world coordinates), then `name: value` each.
 */
export function readoutParts(r: PixelReadout): string[] {
  const parts = [`[y, x] [${r.y}, ${r.x}]`];
  const p = r.pixelSize;
  if (p) {
    const y = formatLength(r.y * p.y);
    const x = formatLength(r.x * p.x);
    parts.push(`[${y}, ${x}] ${unitSymbol(p.unit)}`);
  }
  return [...parts, ...r.values.map(v => `${v.key}: ${formatValue(v.value)}`)];
}

export const READOUT_SEPARATOR = ' · ';

/** Pixel of a (possibly downsampled) plane at full-resolution coordinates; null outside. */
export function valueAt(
  plane: Plane,
  fullShape: readonly [number, number],
  x: number,
  y: number
): number | null {
  if (x < 0 || y < 0 || x >= fullShape[1] || y >= fullShape[0]) return null;
  const [h, w] = plane.shape;
  const px = Math.min(w - 1, Math.floor((x * w) / fullShape[1]));
  const py = Math.min(h - 1, Math.floor((y * h) / fullShape[0]));
  return plane.data[py * w + px];
}

/** Integers as they are; floats with 5 significant digits. */
export function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(5);
}
