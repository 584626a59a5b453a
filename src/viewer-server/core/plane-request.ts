/**
 * What `api/plane` asks the core for, and its answer: the plane of a layer at a position
 * (axis name → value), found with one lookup of the layer; the HTTP status of each way the
 * request can fail travels in PlaneRequestError.
 */
import type { PlaneHeader, PlanePosition } from '../../protocol/index.js';
import type { LayerStore } from '../model/layer-store.js';
import type { Layer, PlaneRef } from '../model/layer.js';
import type { WirePixels } from '../pixels/wire-pixels.js';

/** A served plane: its pixels at a level, and what the reply headers say about them. */
export interface ServedPlane extends PlaneHeader {
  pixels: WirePixels;
  /**
   * Call once the response no longer reads `pixels`: the stored plane's buffer is lent
   * until then (it cannot be reused or counted as freed before).
   */
  release(): void;
}

export class PlaneRequestError extends Error {
  override name = 'PlaneRequestError';
  constructor(
    message: string,
    readonly status: 400 | 404
  ) {
    super(message);
  }
}

/**
 * The layer `key` and its plane at `at`; throws PlaneRequestError 404 for an unknown layer,
 * a value that is not on its axis or an empty slot, 400 for an axis the layer lacks.
 */
export function findPlane(
  layers: LayerStore,
  key: string,
  at: PlanePosition
): { layer: Layer; plane: PlaneRef; index: number[] } {
  const layer = layers.get(key);
  if (layer === undefined)
    throw new PlaneRequestError(
      `no layer ${JSON.stringify(key)}; GET api/state lists the layers`,
      404
    );
  let index: number[] | null;
  let plane: PlaneRef | undefined;
  try {
    index = layer.indexAt(at);
    if (index === null)
      throw new PlaneRequestError(
        `layer ${key} has no plane at ${JSON.stringify(at)}: a value is not on its axis (GET api/state lists them)`,
        404
      );
    plane = layer.planeAt(index);
  } catch (err) {
    if (err instanceof PlaneRequestError) throw err;
    throw new PlaneRequestError((err as Error).message, 400);
  }
  if (plane === undefined)
    throw new PlaneRequestError(
      `layer ${key} has no image at index [${index}] (an empty slot of its axes)`,
      404
    );
  return { layer, plane, index };
}
