/**
 * Pixels sent inline in the header as (nested) lists of numbers, OpenHCS's fallback for
 * arrays of at most INLINE_MAX_BYTES. Larger ones must use shared memory or a frame.
 * Every value must fit the dtype: a typed array would wrap -1 to 255 in uint8, round 1.5
 * and turn 1e39 into Infinity in float32, showing pixels nobody sent.
 */
import {
  bytesPerElement,
  elementCount,
  INLINE_MAX_BYTES,
  INTEGER_RANGES,
  typedArrayCtor,
  type Dtype,
  type ImageItem
} from '../../protocol/index.js';

export class InlinePixelsError extends Error {
  override name = 'InlinePixelsError';
}

const FLOAT32_MAX = 3.4028234663852886e38;

/** Why `v` cannot be stored as `dtype`, or null. */
function valueProblem(v: unknown, dtype: Dtype): string | null {
  if (typeof v !== 'number') return `${JSON.stringify(v)}, not a number`;
  const range = INTEGER_RANGES[dtype];
  if (range) {
    if (!Number.isInteger(v)) return `${v}, not an integer (${dtype} holds whole numbers)`;
    if (v < range[0] || v > range[1])
      return `${v}, outside ${dtype}'s range ${range[0]}..${range[1]}`;
  } else if (dtype === 'float32' && Math.abs(v) > FLOAT32_MAX) {
    return `${v}, outside float32's range ±${FLOAT32_MAX}`;
  }
  return null;
}

/**
 * The values of nested lists, in order, nested at most `depth` deep; stops past `count`
 * values, so a header's long list costs no more than the image needs.
 */
function flatten(data: readonly unknown[], depth: number, count: number, path: string): unknown[] {
  const out: unknown[] = [];
  const walk = (list: readonly unknown[], level: number): void => {
    for (const v of list) {
      if (Array.isArray(v)) {
        if (level >= depth)
          throw new InlinePixelsError(
            `image ${path}: inline data is nested deeper than the shape's ${depth} dimensions`
          );
        walk(v, level + 1);
      } else {
        out.push(v);
      }
      if (out.length > count)
        throw new InlinePixelsError(
          `image ${path}: inline data has more than ${count} values, the shape's count`
        );
    }
  };
  walk(data, 1);
  return out;
}

export function inlinePixels(item: ImageItem, data: readonly unknown[]): Uint8Array {
  const count = elementCount(item.shape);
  const nbytes = count * bytesPerElement(item.dtype);
  if (nbytes > INLINE_MAX_BYTES) {
    throw new InlinePixelsError(
      `image ${item.path}: inline data of ${nbytes} bytes exceeds ${INLINE_MAX_BYTES}; send it in shared memory (shm_name) or as a raw frame`
    );
  }
  const flat = flatten(data, item.shape.length, count, item.path);
  if (flat.length !== count) {
    throw new InlinePixelsError(
      `image ${item.path}: inline data has ${flat.length} values, shape [${item.shape}] needs ${count}`
    );
  }
  const out = new (typedArrayCtor(item.dtype))(count);
  flat.forEach((v, i) => {
    const problem = valueProblem(v, item.dtype);
    if (problem !== null)
      throw new InlinePixelsError(`image ${item.path}: inline value ${i} is ${problem}`);
    out[i] = v as number;
  });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
