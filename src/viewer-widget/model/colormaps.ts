/** 256-entry RGBA lookup tables for the colormaps of the protocol, uploaded as a LUT texture. */
import {
  interpolateCividis,
  interpolateInferno,
  interpolateMagma,
  interpolatePlasma,
  interpolateViridis
} from 'd3-scale-chromatic';
import type { Colormap } from '../../protocol/components.js';

const SOLID: Partial<Record<Colormap, [number, number, number]>> = {
  gray: [1, 1, 1],
  red: [1, 0, 0],
  green: [0, 1, 0],
  blue: [0, 0, 1],
  cyan: [0, 1, 1],
  magenta: [1, 0, 1],
  yellow: [1, 1, 0]
};

const PERCEPTUAL: Partial<Record<Colormap, (t: number) => string>> = {
  viridis: interpolateViridis,
  magma: interpolateMagma,
  inferno: interpolateInferno,
  plasma: interpolatePlasma,
  cividis: interpolateCividis
};

const cache = new Map<Colormap, Uint8Array>();

/** RGBA bytes, 256 × 4, black at 0 for the solid maps so channels add up (additive blending). */
export function colormapLut(name: Colormap): Uint8Array {
  const hit = cache.get(name);
  if (hit) return hit;
  const lut = new Uint8Array(256 * 4);
  const solid = SOLID[name];
  const fn = PERCEPTUAL[name];
  for (let i = 0; i < 256; i++) {
    const rgb = solid ? solid.map(c => c * i) : parseColor(fn!(i / 255));
    lut.set([rgb[0], rgb[1], rgb[2], 255], i * 4);
  }
  cache.set(name, lut);
  return lut;
}

/** d3 returns `#rrggbb` or `rgb(r, g, b)`. */
function parseColor(css: string): [number, number, number] {
  if (css.startsWith('#')) {
    const n = parseInt(css.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  const m = css.match(/rgb\((\d+),\s*(\d+),\s*(\d+)\)/);
  if (!m) throw new Error(`colormap: cannot parse color "${css}"`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}
