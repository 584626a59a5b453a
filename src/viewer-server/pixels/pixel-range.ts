/**
 * Data range of a plane from a sample: 32 contiguous runs of up to 2048 pixels spread over
 * the plane (plus the last pixel). It only seeds the browser's contrast limits, and a full
 * pass (or a strided one, one cache miss per sample) over every 8 MiB frame would cost
 * more than the copy out of shared memory.
 */
import { viewAs, type Dtype } from '../../protocol/index.js';

const RUNS = 32;
const RUN_LENGTH = 2048;

export function samplePixelRange(dtype: Dtype, bytes: Uint8Array): [number, number] {
  const pixels = viewAs(dtype, bytes);
  const n = pixels.length;
  if (n === 0) return [0, 0];
  // Runs as [from, to) pairs; min/max stay locals of one loop (a closure made this 10× slower).
  const runs: number[] = [];
  if (n <= RUNS * RUN_LENGTH) {
    runs.push(0, n);
  } else {
    const gap = Math.floor(n / RUNS);
    for (let r = 0; r < RUNS; r++) runs.push(r * gap, r * gap + RUN_LENGTH);
    runs.push(n - 1, n);
  }
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let r = 0; r < runs.length; r += 2) {
    for (let i = runs[r]; i < runs[r + 1]; i++) {
      const v = pixels[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return Number.isFinite(min) && Number.isFinite(max) ? [min, max] : [0, 0];
}
