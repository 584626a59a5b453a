/**
 * Turns the outputs of one step in one well into wire messages: a JSON header per chunk of at
 * most `MAX_IMAGES_PER_MESSAGE` images (OpenHCS mistake 9: big batches exhausted file
 * descriptors), pixels in a shared-memory segment each, or inline when tiny.
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
import type { StreamBatch, StreamItem } from '../model/stream-sink.js';

export const MAX_IMAGES_PER_MESSAGE = 50;

export interface WireChunk {
  frames: Uint8Array[];
  /** Segments this chunk created; see docs/protocol.md "Producer" for who unlinks them. */
  segments: string[];
  images: number;
}

/** Splits the items of a batch into chunks of at most `size`. */
export function chunkItems(
  items: readonly StreamItem[],
  size = MAX_IMAGES_PER_MESSAGE
): StreamItem[][] {
  const chunks: StreamItem[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * Writes the segments of one chunk and builds its frames. If a segment cannot be written
 * (e.g. /dev/shm full) the segments already written are unlinked before the error is thrown.
 */
export function encodeChunk(
  batch: StreamBatch,
  items: readonly StreamItem[],
  run?: RunTag
): WireChunk {
  const segments: string[] = [];
  try {
    const images: ImageItem[] = items.map(item => {
      const { data, shape, dtype } = item.array;
      const base = {
        path: item.path,
        shape: [...shape],
        dtype,
        data_type: 'image' as const,
        image_id: randomUUID(),
        // The orchestrator's metadata wins; step and well default from the batch.
        metadata: { source: batch.step, well: batch.well, ...item.metadata }
      };
      if (data.byteLength <= INLINE_MAX_BYTES) return { ...base, data: Array.from(data) };
      const name = writeSegment(data);
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
    return { frames: encodeBatch(message), segments, images: images.length };
  } catch (err) {
    releaseSegments(segments);
    throw err;
  }
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
