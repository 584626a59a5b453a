/**
 * One level down for label ids: each 2×2 bin becomes its most frequent id (ties: the first
 * in reading order), never an average, so every id of a level is an id of its bin in the
 * level above (the mean of ids 3 and 5 would be object 4, which is another object).
 */
import type { WireDtype } from '../../protocol/index.js';
import { halvedSize } from '../../protocol/bin-shrink.js';
import type { WirePixels } from './wire-pixels.js';

const CTORS = {
  uint8: Uint8Array,
  uint16: Uint16Array,
  float32: Float32Array,
  uint32: Uint32Array
} as const;

/** The mode of up to four values (a, b, c, d in reading order). */
function mode4(a: number, b: number, c: number, d: number): number {
  if (a === b || a === c || a === d) return a;
  if (b === c || b === d) return b;
  if (c === d) return c;
  return a;
}

export function modeShrink2(
  src: WirePixels,
  height: number,
  width: number,
  dtype: WireDtype
): WirePixels {
  const oh = halvedSize(height);
  const ow = halvedSize(width);
  const out = new CTORS[dtype](oh * ow);
  for (let y = 0; y < oh; y++) {
    const r0 = 2 * y * width;
    const r1 = 2 * y + 1 < height ? r0 + width : r0; // the last odd row pairs with itself
    for (let x = 0; x < ow; x++) {
      const c0 = 2 * x;
      const c1 = c0 + 1 < width ? c0 + 1 : c0;
      out[y * ow + x] = mode4(src[r0 + c0], src[r0 + c1], src[r1 + c0], src[r1 + c1]);
    }
  }
  return out;
}
