/**
 * Pixels as the browser receives them: uint8, uint16 or float32 (viewer-api WIRE_DTYPES), and
 * uint32 for label ids. Other stored dtypes are converted when a plane is served, never when
 * stored (the plane store and its spill keep the producer's dtype).
 */
import { viewAs, type BinnablePixels, type Dtype, type WireDtype } from '../../protocol/index.js';

/** A plane's pixels in one of the wire dtypes (what the bin-shrink takes and gives). */
export type WirePixels = BinnablePixels;

/** Size of a 2-D plane, rows first. */
export type PlaneShape = [height: number, width: number];

export function toWirePixels(dtype: Dtype, bytes: Uint8Array, wire: WireDtype): WirePixels {
  const pixels = viewAs(dtype, bytes);
  if (dtype === wire) return pixels as WirePixels;
  const Out = {
    uint8: Uint8Array,
    uint16: Uint16Array,
    float32: Float32Array,
    uint32: Uint32Array
  }[wire];
  const out = new Out(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i];
  return out;
}

/** Place a plane at the top-left of a zero-filled [height, width] plane (pad_to_max). */
export function padPixels(
  src: WirePixels,
  h: number,
  w: number,
  height: number,
  width: number
): WirePixels {
  if (h === height && w === width) return src;
  const out = new (src.constructor as { new (n: number): WirePixels })(height * width);
  for (let y = 0; y < h; y++) out.set(src.subarray(y * w, y * w + w), y * width);
  return out;
}
