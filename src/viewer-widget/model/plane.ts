import type { WireDtype } from '../../protocol/viewer-api.js';

/** A value on a stacked axis: a well name, a channel number … */
export type AxisValue = string | number;

/** uint32 only for labels layers (ids exact). */
export type PlanePixels = Uint8Array | Uint16Array | Float32Array | Uint32Array;

/** One 2-D plane as received from the server, possibly a downsampled level. */
export interface Plane {
  layer: string;
  /** Axis values of the plane (stable when the server inserts new axis values). */
  values: readonly AxisValue[];
  /** 0 = full resolution; higher = more downsampled. */
  level: number;
  revision: number;
  /** [height, width] of `data`. */
  shape: readonly [number, number];
  dtype: WireDtype;
  data: PlanePixels;
}

export function planeBytes(plane: Plane): number {
  return plane.data.byteLength;
}

/** Larger side in pixels; what `max` of a plane request is compared against. */
export function planeSize(plane: Pick<Plane, 'shape'>): number {
  return Math.max(plane.shape[0], plane.shape[1]);
}
