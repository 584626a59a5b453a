/**
 * Turn the frames of one data message into images with their pixel bytes. A `plv_` segment
 * named in the message belongs to the server from the moment it arrives: it is copied out
 * (if the item is valid) and unlinked exactly once, also when the header is malformed or
 * the item invalid, so no message leaks a segment (OpenHCS mistake 1). A `napari_` segment
 * (OpenHCS 0.8.6) or `plvr_` ring slot is only copied: its sender unlinks it after the
 * reply, or reuses it (a killed ring producer's slots: ring-sweep.ts). Files
 * planted under a segment name that are not ours are refused and left alone
 * (protocol/node/shm.ts, segment-copy.ts).
 */
import * as fs from 'node:fs';
import {
  SHM_PREFIX,
  bytesPerElement,
  elementCount,
  parseBatchHeader,
  ProtocolError,
  validateBatch,
  type BatchMessage,
  type ImageItem,
  type RoiItem
} from '../../protocol/index.js';
import {
  readSegment,
  segmentPath,
  segmentProblem,
  SharedMemoryError,
  type SegmentRefusal
} from '../../protocol/node/index.js';
import { namedSegments, namedSegmentsInText } from './named-segments.js';
import { fromOpenHcs } from './openhcs-batch.js';
import { watchRingSlot } from './ring-sweep.js';
import { setAsideRois, type SetAsideRoi } from './roi-items.js';
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
  /** Set when the image's segment was refused (the server counts these by reason). */
  segment?: SegmentRefusal;
}

export interface BatchPixels {
  batch: BatchMessage;
  images: ImagePixels[];
  rejected: RejectedImage[];
  /** Well-formed ROI items (shapes, points): overlays, no pixels. */
  rois: { index: number; item: RoiItem }[];
  /** Items in the message, ROI items included. */
  total: number;
  /** Resolves when every segment the message named is unlinked (reply after it). */
  unlinked: Promise<void>;
}

/** A message that is not a valid batch; the segments it named are being unlinked. */
export interface RefusedBatch {
  error: string;
  unlinked: Promise<void>;
}

export interface BatchPixelsOptions {
  /** Buffers segments are copied into (default: fresh ones). */
  alloc?: (nbytes: number) => Uint8Array;
  /**
   * Bytes one message may copy out of shared memory (the server's memory budget): a
   * segment's declared size is checked against what is left before it is even opened.
   */
  maxCopyBytes?: number;
  log?: (line: string) => void;
}

/**
 * Who unlinks a segment: `plv_` ones are handed over to the server with the message (our
 * producers never touch them again), `plvr_` ring slots stay their producer's (it writes
 * the next image into them), and `napari_` ones stay their sender's: OpenHCS 0.8.6
 * unlinks its own after the reply (polystore _streaming_backend.py:798-801), and a second
 * unlink made its SharedMemory.unlink fail and warn once per image.
 */
export function serverUnlinks(name: string): boolean {
  return name.startsWith(SHM_PREFIX);
}

function release(name: string, log: (line: string) => void): Promise<void> {
  return serverUnlinks(name) ? unlinkSegmentAsync(name, log) : Promise.resolve();
}

function refuse(err: unknown, names: string[], log: (line: string) => void): RefusedBatch {
  return {
    error: err instanceof ProtocolError ? err.message : `batch: ${(err as Error).message}`,
    unlinked: Promise.all(names.map(name => release(name, log))).then(() => {})
  };
}

/** A message whose header passed validation; none of its segments was copied yet. */
export interface ReadBatch {
  /** Bytes its segment copies will take (declared sizes, at most maxCopyBytes). */
  segmentBytes: number;
  /** Copies the pixels out and unlinks every segment the message named. */
  copy(): BatchPixels;
}

/** The images of one message with their pixels, or why the message is refused as a whole. */
export function batchPixels(
  frames: readonly Uint8Array[],
  options: BatchPixelsOptions = {}
): BatchPixels | RefusedBatch {
  const read = readBatch(frames, options);
  return 'error' in read ? read : read.copy();
}

/**
 * The header of one message parsed (once) and validated, and what its segments will take,
 * before anything is copied: the caller makes room for that first (viewer-core.ts).
 */
export function readBatch(
  frames: readonly Uint8Array[],
  { alloc, maxCopyBytes = Infinity, log = () => {} }: BatchPixelsOptions = {}
): ReadBatch | RefusedBatch {
  let raw: unknown;
  try {
    raw = parseBatchHeader(frames[0]); // the one JSON.parse of this header
  } catch (err) {
    return refuse(err, namedSegmentsInText(frames[0]), log);
  }
  raw = fromOpenHcs(raw);
  const roi = setAsideRois(raw);
  let decoded;
  try {
    decoded = validateBatch(roi ? roi.header : raw, frames.slice(1));
  } catch (err) {
    return refuse(err, namedSegments(raw), log);
  }
  const { batch, frames: rawFrames } = decoded;
  return {
    segmentBytes: segmentBytes(batch, maxCopyBytes),
    copy: () => copyPixels(batch, rawFrames, roi?.rois ?? [], { alloc, maxCopyBytes, log })
  };
}

/**
 * What the copies of a batch's segments will take: those that will be copied, as far as an
 * lstat tells (our own regular file of the declared size, within maxCopyBytes). A name
 * that is missing or planted costs no room, so it cannot make the server spill for nothing.
 */
function segmentBytes(batch: BatchMessage, maxCopyBytes: number): number {
  let total = 0;
  const seen = new Set<string>();
  for (const item of batch.images) {
    const name = item.shm_name;
    if (name === undefined || seen.has(name)) continue;
    seen.add(name);
    const nbytes = elementCount(item.shape) * bytesPerElement(item.dtype);
    if (nbytes > maxCopyBytes - total) continue; // refused as over budget when copied
    let stat: fs.Stats | undefined;
    try {
      stat = fs.lstatSync(segmentPath(name), { throwIfNoEntry: false });
    } catch {
      continue;
    }
    if (stat && segmentProblem(name, stat, nbytes) === null) total += nbytes;
  }
  return total;
}

function copyPixels(
  batch: BatchMessage,
  rawFrames: Uint8Array[],
  rois: SetAsideRoi[],
  { alloc, maxCopyBytes = Infinity, log = () => {} }: BatchPixelsOptions
): BatchPixels {
  const images: ImagePixels[] = [];
  const rejected: RejectedImage[] = [];
  const consumed = new Set<string>();
  const unlinks: Promise<void>[] = [];
  let copied = 0;
  const overlays: BatchPixels['rois'] = [];
  for (const roi of rois) {
    if (roi.shmName !== undefined) unlinks.push(release(roi.shmName, log));
    if (roi.item) overlays.push({ index: roi.index, item: roi.item });
    else
      rejected.push({
        index: roi.index,
        path: roi.path,
        error: `images[${roi.index}] (${roi.path}, ROI ${roi.kind}): ${roi.error}`
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
        watchRingSlot(name, log);
        try {
          if (nbytes > maxCopyBytes - copied) {
            throw new SharedMemoryError(
              `shared-memory segment ${name} would take ${nbytes} bytes, but only ${maxCopyBytes - copied} of the memory budget (${maxCopyBytes} bytes) are left for this message; raise --memory-budget or send smaller images or fewer per message`,
              'over-budget'
            );
          }
          images.push({ item, bytes: readSegment(name, nbytes, alloc) });
          copied += nbytes;
        } finally {
          unlinks.push(release(name, log));
        }
      } else if (item.data !== undefined) {
        images.push({ item, bytes: inlinePixels(item, item.data) });
      } else {
        const frame = rawFrames[item.frame! - 1];
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
        error: `images[${index}] (${item.path}): ${(err as Error).message}`,
        segment: err instanceof SharedMemoryError ? err.reason : undefined
      });
    }
  });
  return {
    batch,
    images,
    rejected,
    rois: overlays,
    total: batch.images.length + rois.length,
    unlinked: Promise.all(unlinks).then(() => undefined)
  };
}
