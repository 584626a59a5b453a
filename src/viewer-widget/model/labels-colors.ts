/**
 * Colors of a labels layer, as napari's labels layer shows them: one color per id, the same
 * for that id in every plane, well and session (a function of the id, not its rank), 0
 * (background) transparent. Hues step by the golden ratio (ids n and n + 1 far apart, so
 * touching nuclei differ), saturation and brightness by a hash of the id.
 * `labelsRgba` paints a plane of ids as RGBA, filled or as outlines. No DOM.
 */
import type { PlanePixels } from './plane.js';

export const LABELS_MODES = ['fill', 'outline'] as const;
export type LabelsMode = (typeof LABELS_MODES)[number];

/** murmur3's 32-bit finalizer: neighbouring ids land far apart. */
function mix32(id: number): number {
  let h = id >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** [r, g, b] (0–255) of label `id`; [0, 0, 0] for 0. Bright and saturated, never gray. */
export function labelColor(id: number): [number, number, number] {
  if (id === 0) return [0, 0, 0];
  const h = mix32(id);
  // golden-ratio steps: ids n and n+1 are always ≥ 0.38 of the hue circle apart
  const hue = (((id >>> 0) % 0x100000) * 0.6180339887 + (h & 0xff) / 0x1000) % 1;
  const saturation = 0.65 + ((h >>> 16) & 0xff) / 0xff / 3; // 0.65..0.98
  const value = 0.8 + (h >>> 24) / 0xff / 5; // 0.8..1
  return hsvToRgb(hue, saturation, value);
}

function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  const [r, g, b] = [
    [v, t, p],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, p, q]
  ][i % 6];
  return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
}

/**
 * RGBA (premultiplied by nothing; alpha 255 where drawn, 0 elsewhere) of a [h, w] plane of
 * ids. `outline`: only pixels with a 4-neighbour of another id (the image border counts as
 * background), so each object keeps a 1-pixel rim and its inside shows the image below.
 */
export function labelsRgba(
  ids: PlanePixels,
  h: number,
  w: number,
  mode: LabelsMode,
  out = new Uint8Array(h * w * 4)
): Uint8Array {
  if (ids.length < h * w)
    throw new Error(`labels plane has ${ids.length} pixels, ${h}×${w} needs ${h * w}`);
  let lastId = -1;
  let color: [number, number, number] = [0, 0, 0];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const id = ids[i];
      let drawn = id !== 0;
      if (drawn && mode === 'outline') {
        drawn =
          x === 0 ||
          y === 0 ||
          x === w - 1 ||
          y === h - 1 ||
          ids[i - 1] !== id ||
          ids[i + 1] !== id ||
          ids[i - w] !== id ||
          ids[i + w] !== id;
      }
      const o = 4 * i;
      if (!drawn) {
        out[o] = out[o + 1] = out[o + 2] = out[o + 3] = 0;
        continue;
      }
      if (id !== lastId) {
        color = labelColor(id);
        lastId = id;
      }
      out[o] = color[0];
      out[o + 1] = color[1];
      out[o + 2] = color[2];
      out[o + 3] = 255;
    }
  }
  return out;
}
