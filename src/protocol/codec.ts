/**
 * Frame codec for the data socket: frame 0 is the UTF-8 JSON header, frames 1..n are raw
 * pixel buffers referenced by `images[i].frame`. Buffers are passed through untouched so
 * zeromq can send them zero-copy.
 */
import { z } from 'zod';
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

/** Parse a JSON frame and validate it with `schema`; throws ProtocolError with the reason. */
export function decodeJson<T extends z.ZodType>(
  frame: Uint8Array,
  schema: T,
  what: string
): z.infer<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(frame));
  } catch (err) {
    throw new ProtocolError(`${what}: header is not UTF-8 JSON (${(err as Error).message})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ProtocolError(`${what}: invalid message\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
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

export function decodeBatch(frames: readonly Uint8Array[]): DecodedBatch {
  if (frames.length === 0) throw new ProtocolError('batch: empty message');
  const batch = decodeJson(frames[0], BatchMessageSchema, 'batch');
  const rest = frames.slice(1);
  batch.images.forEach((image, i) => {
    if (image.frame !== undefined && image.frame > rest.length) {
      throw new ProtocolError(
        `batch: images[${i}] (${image.path}) references frame ${image.frame} but only ${rest.length} raw frame(s) follow the header`
      );
    }
  });
  return { batch, frames: rest };
}
