/**
 * The pixel readout: under a point of the image, the value of each layer drawn there, like
 * napari's status bar. No DOM; the view lays the parts out.
 */
import type { Plane } from './plane.js';

/** A layer as drawn: its plane (maybe a downsampled level) and its full-resolution shape. */
export interface ReadoutLayer {
  key: string;
  plane: Plane;
  /** [height, width] at full resolution. */
  fullShape: readonly [number, number];
}

export interface PixelReadout {
  /** Full-resolution pixel row and column under the point. */
  y: number;
  x: number;
  values: { key: string; value: number }[];
}

/** Values at image point (x, y) (full-resolution pixels); null where no layer has a pixel. */
export function readoutAt(
  layers: readonly ReadoutLayer[],
  x: number,
  y: number
): PixelReadout | null {
  const values: PixelReadout['values'] = [];
  for (const layer of layers) {
    const value = valueAt(layer.plane, layer.fullShape, x, y);
    if (value !== null) values.push({ key: layer.key, value });
  }
  return values.length ? { y: Math.floor(y), x: Math.floor(x), values } : null;
}

/** The parts of a readout as shown, in order: `[y, x] [12, 40]`, then `key: value` each. */
export function readoutParts(r: PixelReadout): string[] {
  return [`[y, x] [${r.y}, ${r.x}]`, ...r.values.map(v => `${v.key}: ${formatValue(v.value)}`)];
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
