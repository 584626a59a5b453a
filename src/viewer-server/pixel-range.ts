/**
 * Data range of a plane from a strided sample of at most ~64 Ki pixels: it only seeds the
 * browser's contrast limits, and a full pass over every frame would cost more than the
 * copy out of shared memory (performance of ingest is a feature).
 */
import { viewAs, type Dtype } from '../protocol/index.js';

const SAMPLES = 65_536;

export function samplePixelRange(dtype: Dtype, bytes: Uint8Array): [number, number] {
  const pixels = viewAs(dtype, bytes);
  const step = Math.max(1, Math.floor(pixels.length / SAMPLES));
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < pixels.length; i += step) {
    const v = pixels[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // The last pixel too, so a 1-pixel-wide feature at the end is not always missed.
  if (pixels.length > 0) {
    const last = pixels[pixels.length - 1];
    if (last < min) min = last;
    if (last > max) max = last;
  }
  return Number.isFinite(min) && Number.isFinite(max) ? [min, max] : [0, 0];
}
