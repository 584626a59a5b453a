/**
 * Stacks of planes: the [n, y, x] arrays step functions receive and return. Assembling copies
 * each plane once into a fresh buffer (the one copy grouping needs); splitting makes views.
 */
import { elementCount, typedArrayCtor } from '../../protocol/index.js';
import { validateNdArray, type NdArray } from '../model/image-data.js';

export interface Stack {
  array: NdArray;
  /**
   * True when nothing else references the buffer and the data spans all of it, so it may be
   * transferred to a worker thread instead of copied.
   */
  owned: boolean;
}

/** Builds a [n, y, x] stack; `owned` says whether the planes' buffers are ours alone. */
export function assembleStack(planes: readonly NdArray[], owned: boolean, where: string): Stack {
  const first = planes[0];
  const [h, w] = planeShape(first, where);
  for (const p of planes) {
    const [ph, pw] = planeShape(p, where);
    if (ph !== h || pw !== w || p.dtype !== first.dtype) {
      throw new Error(
        `${where}: planes of one group differ (${h}×${w} ${first.dtype} vs ${ph}×${pw} ${p.dtype}); a stack needs equal sizes and types`
      );
    }
  }
  if (planes.length === 1) {
    return {
      array: { data: first.data, shape: [1, h, w], dtype: first.dtype },
      owned: owned && spansBuffer(first)
    };
  }
  const Ctor = typedArrayCtor(first.dtype);
  const size = h * w;
  const data = new Ctor(size * planes.length);
  planes.forEach((p, i) => data.set(p.data, i * size));
  return { array: { data, shape: [planes.length, h, w], dtype: first.dtype }, owned: true };
}

/** A function's result as a [n, y, x] stack; a 2D result counts as one plane. */
export function asStack(result: unknown, where: string): NdArray {
  validateNdArray(result as NdArray, where);
  const array = result as NdArray;
  if (array.shape.length === 2)
    return { data: array.data, shape: [1, ...array.shape], dtype: array.dtype };
  if (array.shape.length !== 3) {
    throw new Error(
      `${where}: a step function must return a stack [n, y, x] or a plane [y, x], got shape [${array.shape.join(', ')}]`
    );
  }
  return array;
}

/** Views of each plane of a [n, y, x] stack (no copy). */
export function splitStack(stack: NdArray): NdArray[] {
  const [n, h, w] = stack.shape;
  const size = h * w;
  return Array.from({ length: n }, (_, i) => ({
    data: stack.data.subarray(i * size, (i + 1) * size),
    shape: [h, w],
    dtype: stack.dtype
  }));
}

function planeShape(p: NdArray, where: string): [number, number] {
  const s = p.shape;
  if (s.length === 2) return [s[0], s[1]];
  if (s.length === 3 && s[0] === 1) return [s[1], s[2]];
  throw new Error(`${where}: expected one plane per image, got shape [${s.join(', ')}]`);
}

function spansBuffer(p: NdArray): boolean {
  return (
    p.data.byteOffset === 0 &&
    p.data.byteLength === p.data.buffer.byteLength &&
    elementCount(p.shape) === p.data.length
  );
}

/**
 * A plate's images of one group must agree in size and type; one that does not is named (a
 * damaged or foreign file in the plate), before stacking would only say that planes differ.
 */
export function checkPlateShapes(
  arrays: readonly NdArray[],
  paths: readonly string[],
  where: string
) {
  const first = arrays[0];
  const describe = (a: NdArray) => `${a.shape.join('×')} ${a.dtype}`;
  arrays.forEach((a, i) => {
    if (a.shape.length !== 2) {
      throw new Error(
        `${where}: plate image '${paths[i]}' has shape [${a.shape.join(', ')}]; plate images must be planes [y, x] ` +
          '(a multi-page TIFF? read OME-TIFF plates by their .ome.tif metadata, or split the stack)'
      );
    }
    if (describe(a) !== describe(first)) {
      throw new Error(
        `${where}: plate image '${paths[i]}' is ${describe(a)} but '${paths[0]}' is ${describe(first)}; ` +
          'the images a step stacks must match: replace the odd file or leave its well out (well_filter)'
      );
    }
  });
}
