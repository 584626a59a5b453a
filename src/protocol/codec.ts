/**
 * Frame codec for the data socket: frame 0 is the UTF-8 JSON header, frames 1..n are raw
 * pixel buffers referenced by `images[i].frame`. Buffers are passed through untouched so
 * zeromq can send them zero-copy.
 */
import { z } from 'zod';
import { MAX_HEADER_BYTES, MAX_IMAGES_PER_MESSAGE } from './limits.js';
import { BatchMessageSchema, type BatchMessage, type BatchMessageInput } from './messages.js';
import { PROTOCOL_VERSION } from './version.js';

/** A message that failed validation; `message` says what is wrong and where. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Parse a JSON frame; throws ProtocolError with the reason. */
export function parseJson(frame: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(decoder.decode(frame));
  } catch (err) {
    throw new ProtocolError(`${what}: header is not UTF-8 JSON (${(err as Error).message})`);
  }
}

/** Validate a parsed value with `schema`; throws ProtocolError saying what is wrong where. */
export function validateJson<T extends z.ZodType>(
  raw: unknown,
  schema: T,
  what: string
): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ProtocolError(`${what}: invalid message\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** Parse a JSON frame and validate it with `schema`; throws ProtocolError with the reason. */
export function decodeJson<T extends z.ZodType>(
  frame: Uint8Array,
  schema: T,
  what: string
): z.infer<T> {
  return validateJson(parseJson(frame, what), schema, what);
}

/** Frames for a batch: the header, then the raw buffers in `frame` order. */
export function encodeBatch(
  batch: BatchMessageInput,
  buffers: readonly Uint8Array[] = []
): Uint8Array[] {
  const header = encodeJson({ version: PROTOCOL_VERSION, timestamp: Date.now() / 1000, ...batch });
  return [header, ...buffers];
}

export interface DecodedBatch {
  batch: BatchMessage;
  /** Raw frames after the header; `frames[i.frame - 1]` holds image i's bytes. */
  frames: Uint8Array[];
}

/**
 * The JSON of a batch header, parsed once. A header over MAX_HEADER_BYTES is refused before
 * it is decoded: parsing 256 MiB of JSON blocked a server for seconds.
 */
export function parseBatchHeader(header: Uint8Array | undefined): unknown {
  if (header === undefined) throw new ProtocolError('batch: empty message');
  if (header.byteLength > MAX_HEADER_BYTES) {
    throw new ProtocolError(
      `batch: header of ${header.byteLength} bytes exceeds MAX_HEADER_BYTES = ${MAX_HEADER_BYTES}; send pixels in shared memory or raw frames, not in the header`
    );
  }
  return parseJson(header, 'batch');
}

/** Validate a parsed batch header against the raw frames that followed it. */
export function validateBatch(raw: unknown, rest: readonly Uint8Array[]): DecodedBatch {
  // Counted before the schema runs, which would look at every item first.
  const images = (raw as { images?: unknown } | null)?.images;
  if (Array.isArray(images) && images.length > MAX_IMAGES_PER_MESSAGE) {
    throw new ProtocolError(
      `batch: ${images.length} images in one message, at most MAX_IMAGES_PER_MESSAGE = ${MAX_IMAGES_PER_MESSAGE}; split them over several messages`
    );
  }
  const batch = validateJson(raw, BatchMessageSchema, 'batch');
  batch.images.forEach((image, i) => {
    if (image.frame !== undefined && image.frame > rest.length) {
      throw new ProtocolError(
        `batch: images[${i}] (${image.path}) references frame ${image.frame} but only ${rest.length} raw frame(s) follow the header`
      );
    }
  });
  return { batch, frames: [...rest] };
}

export function decodeBatch(frames: readonly Uint8Array[]): DecodedBatch {
  if (frames.length === 0) throw new ProtocolError('batch: empty message');
  return validateBatch(parseBatchHeader(frames[0]), frames.slice(1));
}
