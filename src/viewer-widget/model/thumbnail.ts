/**
 * Thumbnails of the grid view, computed on the CPU: each layer's plane scaled (nearest
 * pixel) into a small RGBA tile through its contrast, gamma, colormap and opacity, added as
 * the canvas adds channels. Tiles are ~100 px, so 96 wells × 3 channels cost a few ms, and
 * the grid needs no second WebGL context (a browser allows only a few per page).
 */
import type { Colormap } from '../../protocol/components.js';
import { colormapLut } from './colormaps.js';
import type { PlanePixels } from './plane.js';

export interface ThumbnailLayer {
  data: PlanePixels;
  /** [height, width] of `data`. */
  shape: readonly [number, number];
  /** [height, width] of the layer at full resolution (planes of a layer share its origin). */
  fullShape: readonly [number, number];
  contrast: readonly [number, number];
  colormap: Colormap;
  opacity: number;
  /** t → t^gamma after contrast; 1 when absent. */
  gamma?: number;
}

/**
 * Draw `layers` into `out` (RGBA, `size` × `size`, cleared first), keeping the aspect of the
 * largest layer, centred. Returns `out`.
 */
export function composeThumbnail(
  layers: readonly ThumbnailLayer[],
  size: number,
  out: Uint8ClampedArray<ArrayBuffer> = new Uint8ClampedArray(size * size * 4)
): Uint8ClampedArray<ArrayBuffer> {
  if (out.length !== size * size * 4) {
    throw new RangeError(`thumbnail: buffer of ${out.length} bytes for a ${size}² RGBA tile`);
  }
  out.fill(0);
  for (let i = 3; i < out.length; i += 4) out[i] = 255;
  let fullH = 0;
  let fullW = 0;
  for (const l of layers) {
    fullH = Math.max(fullH, l.fullShape[0]);
    fullW = Math.max(fullW, l.fullShape[1]);
  }
  if (fullH === 0 || fullW === 0) return out;
  const scale = size / Math.max(fullH, fullW); // tile px per full-resolution px
  const tileH = Math.max(1, Math.round(fullH * scale));
  const tileW = Math.max(1, Math.round(fullW * scale));
  const top = Math.floor((size - tileH) / 2);
  const left = Math.floor((size - tileW) / 2);
  for (const l of layers) {
    if (l.opacity <= 0) continue;
    const lut = colormapLut(l.colormap);
    const [lo, hi] = l.contrast;
    const span = hi > lo ? hi - lo : 1;
    const gamma = l.gamma && l.gamma > 0 ? l.gamma : 1;
    const [h, w] = l.shape;
    // the plane may be a downsampled level: its pixel covers fullShape/shape full pixels
    const fy = h / l.fullShape[0] / scale;
    const fx = w / l.fullShape[1] / scale;
    const rows = Math.min(tileH, Math.ceil(l.fullShape[0] * scale));
    const cols = Math.min(tileW, Math.ceil(l.fullShape[1] * scale));
    for (let y = 0; y < rows; y++) {
      const sy = Math.min(h - 1, Math.floor((y + 0.5) * fy));
      const o = ((top + y) * size + left) * 4;
      for (let x = 0; x < cols; x++) {
        const sx = Math.min(w - 1, Math.floor((x + 0.5) * fx));
        let t = (l.data[sy * w + sx] - lo) / span;
        t = t <= 0 ? 0 : t >= 1 ? 1 : gamma === 1 ? t : Math.pow(t, gamma);
        const k = Math.round(t * 255) * 4;
        const p = o + x * 4;
        // Uint8ClampedArray saturates the sum, as additive blending does
        out[p] += lut[k] * l.opacity;
        out[p + 1] += lut[k + 1] * l.opacity;
        out[p + 2] += lut[k + 2] * l.opacity;
      }
    }
  }
  return out;
}
