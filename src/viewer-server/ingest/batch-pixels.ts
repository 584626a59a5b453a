/**
 * Turn the frames of one data message into images with their pixel bytes. Shared memory
 * named in the message belongs to the server from the moment it arrives: every segment is
 * copied out (if the item is valid) and unlinked exactly once, also when the header is
 * malformed or the item invalid, so no message leaks a segment (OpenHCS mistake 1).
 */
import {
  bytesPerElement,
  decodeBatch,
  elementCount,
  isShmName,
  ProtocolError,
  type BatchMessage,
  type ImageItem
} from '../../protocol/index.js';
import { readSegment, unlinkSegment } from '../../protocol/node/index.js';
import { setAsideRois } from './roi-items.js';
import { unlinkSegmentAsync } from './segment-copy.js';
import { inlinePixels } from './inline-pixels.js';

export interface ImagePixels {
  item: ImageItem;
  bytes: Uint8Array;
}

export interface RejectedImage {
  index: number;
  path: string;
  error: string;
}

export interface BatchPixels {
  batch: BatchMessage;
  images: ImagePixels[];
  rejected: RejectedImage[];
  /** Items in the message, ROI items included. */
  total: number;
  /** Resolves when every segment the message named is unlinked (reply after it). */
  unlinked: Promise<void>;
}

const SHM_FIELD = /"shm_name"\s*:\s*"([^"\\]{1,80})"/g;

/** Unlink every well-formed segment name a (possibly broken) header mentions. */
export function unlinkNamedSegments(header: Uint8Array | undefined): number {
  if (header === undefined) return 0;
  const text = Buffer.from(header.buffer, header.byteOffset, header.byteLength).toString('utf8');
  let count = 0;
  for (const match of text.matchAll(SHM_FIELD)) {
    if (isShmName(match[1]) && unlinkSegment(match[1])) count++;
  }
  return count;
}

/**
 * Throws ProtocolError for a message that is not a valid batch (after unlinking its segments).
 * `alloc` gives the buffers segments are copied into (default: fresh ones).
 */
export function batchPixels(
  frames: readonly Uint8Array[],
  alloc?: (nbytes: number) => Uint8Array
): BatchPixels {
  let decoded;
  const roi = setAsideRois(frames[0]);
  try {
    decoded = decodeBatch(roi ? [roi.header, ...frames.slice(1)] : frames);
  } catch (err) {
    unlinkNamedSegments(frames[0]);
    throw err instanceof ProtocolError
      ? err
      : new ProtocolError(`batch: ${(err as Error).message}`);
  }
  const { batch, frames: raw } = decoded;
  const images: ImagePixels[] = [];
  const rejected: RejectedImage[] = [];
  const consumed = new Set<string>();
  const unlinks: Promise<void>[] = [];
  for (const item of roi?.rois ?? []) {
    if (item.shmName !== undefined) unlinks.push(unlinkSegmentAsync(item.shmName));
    rejected.push({
      index: item.index,
      path: item.path,
      error: `images[${item.index}] (${item.path}): ROI items (data_type ${item.kind}) are not shown by this viewer yet`
    });
  }
  batch.images.forEach((item, index) => {
    const nbytes = elementCount(item.shape) * bytesPerElement(item.dtype);
    try {
      if (item.shm_name !== undefined) {
        const name = item.shm_name;
        if (consumed.has(name))
          throw new Error(`shared-memory segment ${name} is named by two images`);
        consumed.add(name);
        try {
          images.push({ item, bytes: readSegment(name, nbytes, alloc) });
        } finally {
          unlinks.push(unlinkSegmentAsync(name));
        }
      } else if (item.data !== undefined) {
        images.push({ item, bytes: inlinePixels(item, item.data) });
      } else {
        const frame = raw[item.frame! - 1];
        if (frame.byteLength !== nbytes) {
          throw new Error(
            `raw frame ${item.frame} holds ${frame.byteLength} bytes, shape [${item.shape}] ${item.dtype} needs ${nbytes}`
          );
        }
        images.push({ item, bytes: frame });
      }
    } catch (err) {
      rejected.push({
        index,
        path: item.path,
        error: `images[${index}] (${item.path}): ${(err as Error).message}`
      });
    }
  });
  return {
    batch,
    images,
    rejected,
    total: batch.images.length + (roi?.rois.length ?? 0),
    unlinked: Promise.all(unlinks).then(() => undefined)
  };
}
