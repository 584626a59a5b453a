/**
 * Data range of a plane from a sample: 32 contiguous runs of up to 2048 pixels spread over
 * the plane (plus the last pixel). It only seeds the browser's contrast limits, and a full
 * pass (or a strided one, one cache miss per sample) over every 8 MiB frame would cost
 * more than the copy out of shared memory.
 */
import { viewAs, type Dtype } from '../protocol/index.js';

const RUNS = 32;
const RUN_LENGTH = 2048;

export function samplePixelRange(dtype: Dtype, bytes: Uint8Array): [number, number] {
  const pixels = viewAs(dtype, bytes);
  const n = pixels.length;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  const scan = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const v = pixels[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  };
  if (n <= RUNS * RUN_LENGTH) {
    scan(0, n);
  } else {
    const gap = Math.floor(n / RUNS);
    for (let r = 0; r < RUNS; r++) scan(r * gap, r * gap + RUN_LENGTH);
    scan(n - 1, n);
  }
  return Number.isFinite(min) && Number.isFinite(max) ? [min, max] : [0, 0];
}
