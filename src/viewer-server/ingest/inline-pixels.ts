/**
 * Pixels sent inline in the header as (nested) lists of numbers, OpenHCS's fallback for
 * arrays of at most INLINE_MAX_BYTES. Larger ones must use shared memory or a frame.
 */
import {
  bytesPerElement,
  elementCount,
  INLINE_MAX_BYTES,
  typedArrayCtor,
  type ImageItem
} from '../../protocol/index.js';

export class InlinePixelsError extends Error {
  override name = 'InlinePixelsError';
}

export function inlinePixels(item: ImageItem, data: readonly unknown[]): Uint8Array {
  const count = elementCount(item.shape);
  const nbytes = count * bytesPerElement(item.dtype);
  if (nbytes > INLINE_MAX_BYTES) {
    throw new InlinePixelsError(
      `image ${item.path}: inline data of ${nbytes} bytes exceeds ${INLINE_MAX_BYTES}; send it in shared memory (shm_name) or as a raw frame`
    );
  }
  const flat = (data as unknown[]).flat(Infinity);
  if (flat.length !== count) {
    throw new InlinePixelsError(
      `image ${item.path}: inline data has ${flat.length} values, shape [${item.shape}] needs ${count}`
    );
  }
  const out = new (typedArrayCtor(item.dtype))(count);
  flat.forEach((v, i) => {
    if (typeof v !== 'number') {
      throw new InlinePixelsError(
        `image ${item.path}: inline data value ${i} is ${JSON.stringify(v)}, not a number`
      );
    }
    out[i] = v;
  });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
