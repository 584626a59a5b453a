/**
 * Turns the outputs of one step in one well into wire messages: a JSON header per chunk of at
 * most `MAX_IMAGES_PER_MESSAGE` images (OpenHCS mistake 9: big batches exhausted file
 * descriptors) and about MAX_MESSAGE_PIXEL_BYTES of pixels; the pixels of each image by the
 * chosen transport (transport.ts): a ring slot, a one-shot segment or a raw frame, or inline
 * when tiny.
 */
import { randomUUID } from 'node:crypto';
import {
  encodeBatch,
  INLINE_MAX_BYTES,
  type BatchMessageInput,
  type ImageItem,
  type RunTag
} from '../../protocol/index.js';
import { unlinkSegment, writeSegment } from '../../protocol/node/shm.js';
import { producerRing } from '../../protocol/node/shm-ring.js';
import type { StreamBatch, StreamItem } from '../model/stream-sink.js';
import type { Transport } from './transport.js';

export const MAX_IMAGES_PER_MESSAGE = 50;
/**
 * Pixel bytes per message (a message with one bigger image holds just that one): bounds
 * the ring slots one message holds, and the server's copy before its reply.
 */
export const MAX_MESSAGE_PIXEL_BYTES = 64 * 2 ** 20;

export interface WireChunk {
  frames: Uint8Array[];
  /** Segments this chunk created; see docs/protocol.md "Producer" for who unlinks them. */
  segments: string[];
  /** Ring slots this chunk holds: given back after a reply, retired after a failure. */
  slots: string[];
  images: number;
}

/** Splits the items of a batch into chunks of at most `size` images and about `maxBytes`. */
export function chunkItems(
  items: readonly StreamItem[],
  size = MAX_IMAGES_PER_MESSAGE,
  maxBytes = MAX_MESSAGE_PIXEL_BYTES
): StreamItem[][] {
  const chunks: StreamItem[][] = [];
  let chunk: StreamItem[] = [];
  let bytes = 0;
  for (const item of items) {
    const n = item.array.data.byteLength;
    if (chunk.length > 0 && (chunk.length >= size || bytes + n > maxBytes)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += n;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/**
 * Writes the segments of one chunk and builds its frames. If a segment cannot be written
 * (e.g. /dev/shm full) the segments already written are unlinked before the error is thrown.
 */
export function encodeChunk(
  batch: StreamBatch,
  items: readonly StreamItem[],
  run?: RunTag,
  transport: Transport = 'segment'
): WireChunk {
  const segments: string[] = [];
  const slots: string[] = [];
  const raw: Uint8Array[] = [];
  try {
    const images: ImageItem[] = items.map(item => {
      const { data, shape, dtype } = item.array;
      const base = {
        path: item.path,
        shape: [...shape],
        dtype,
        data_type: batch.dataType ?? 'image',
        image_id: randomUUID(),
        // The orchestrator's metadata wins; step and well default from the batch.
        metadata: { source: batch.step, well: batch.well, ...item.metadata }
      };
      if (data.byteLength <= INLINE_MAX_BYTES) return { ...base, data: Array.from(data) };
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (transport === 'frames') {
        raw.push(bytes);
        return { ...base, frame: raw.length };
      }
      const slot = transport === 'ring' ? producerRing().lend(bytes) : null;
      if (slot !== null) {
        slots.push(slot);
        return { ...base, shm_name: slot };
      }
      const name = writeSegment(data); // one-shot: not a ring, or the ring is full
      segments.push(name);
      return { ...base, shm_name: name };
    });
    const message: BatchMessageInput = {
      type: 'batch',
      images,
      display_config: batch.display,
      component_names_metadata: batch.componentNames,
      ...(batch.pixelSize ? { pixel_size: batch.pixelSize } : {}),
      ...(run ? { run } : {})
    };
    return { frames: encodeBatch(message, raw), segments, slots, images: images.length };
  } catch (err) {
    settleChunk({ segments, slots }, false);
    throw err;
  }
}

/**
 * After the reply (`replied`) or a failure: ring slots go back to the ring, or are retired
 * when the server may still read them; one-shot segments are swept (releaseSegments).
 */
export function settleChunk(chunk: Pick<WireChunk, 'segments' | 'slots'>, replied: boolean): void {
  if (replied) producerRing().giveBack(chunk.slots);
  else if (chunk.slots.length > 0) producerRing().retire(chunk.slots);
  releaseSegments(chunk.segments);
}

/**
 * Unlinks the segments still present; returns how many this call removed. Removing a name
 * that the server already unlinked is a no-op (names are random and never reused), so the
 * producer may always sweep after a reply or a timeout and no segment is freed twice.
 */
export function releaseSegments(segments: readonly string[]): number {
  let removed = 0;
  for (const name of segments) {
    try {
      if (unlinkSegment(name)) removed++;
    } catch {
      // An invalid name cannot occur: we generated it.
    }
  }
  return removed;
}
