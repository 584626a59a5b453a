/**
 * What level k of a plane is (api/plane's `level`): the plane halved k times, each time by
 * averaging 2×2 bins (the last row/column averages what it has), the same operation as
 * itk-wasm's bin-shrink with factor 2. Shared by the viewer server, which computes levels,
 * and a plate source, which bins a plate's deepest stored level before sending it (1/4ⁿ
 * of the bytes cross the IPC channel). Written out in JS because it is several times faster
 * than the wasm pipeline for one plane (which copies the plane in and out of wasm memory);
 * see scripts/bench-downsample.mjs for the measurement.
 */
import type { WireDtype } from './viewer-api.js';

/** Pixels binShrink2 averages: the wire dtypes (uint32 holds label ids, never averaged). */
export type BinnablePixels = Uint8Array | Uint16Array | Float32Array | Uint32Array;

export function halvedSize(size: number): number {
  return Math.ceil(size / 2);
}

/** One level down; into `into` when given (its first ⌈h/2⌉·⌈w/2⌉ elements, same dtype). */
export function binShrink2(
  src: BinnablePixels,
  height: number,
  width: number,
  dtype: WireDtype,
  into?: BinnablePixels
): BinnablePixels {
  const oh = halvedSize(height);
  const ow = halvedSize(width);
  const out =
    into ??
    (dtype === 'uint8'
      ? new Uint8Array(oh * ow)
      : dtype === 'uint16'
        ? new Uint16Array(oh * ow)
        : new Float32Array(oh * ow));
  const round = dtype !== 'float32';
  const fullRows = height >> 1;
  const fullCols = width >> 1;
  for (let y = 0; y < fullRows; y++) {
    const r0 = 2 * y * width;
    const r1 = r0 + width;
    const o = y * ow;
    for (let x = 0; x < fullCols; x++) {
      const c = 2 * x;
      const sum = src[r0 + c] + src[r0 + c + 1] + src[r1 + c] + src[r1 + c + 1];
      out[o + x] = round ? (sum + 2) >> 2 : sum * 0.25;
    }
    if (fullCols < ow) {
      const c = width - 1;
      const sum = src[r0 + c] + src[r1 + c];
      out[o + fullCols] = round ? (sum + 1) >> 1 : sum * 0.5;
    }
  }
  if (fullRows < oh) {
    const r0 = (height - 1) * width;
    const o = fullRows * ow;
    for (let x = 0; x < fullCols; x++) {
      const sum = src[r0 + 2 * x] + src[r0 + 2 * x + 1];
      out[o + x] = round ? (sum + 1) >> 1 : sum * 0.5;
    }
    if (fullCols < ow) out[o + fullCols] = src[r0 + width - 1];
  }
  return out;
}

/** `src` ([height, width]) halved `times` times: level `times` below it, and its shape. */
export function binShrink(
  src: BinnablePixels,
  height: number,
  width: number,
  dtype: WireDtype,
  times: number
): { pixels: BinnablePixels; shape: [number, number] } {
  let pixels = src;
  let [h, w] = [height, width];
  for (let i = 0; i < times; i++) {
    pixels = binShrink2(pixels, h, w, dtype);
    [h, w] = [halvedSize(h), halvedSize(w)];
  }
  return { pixels, shape: [h, w] };
}
