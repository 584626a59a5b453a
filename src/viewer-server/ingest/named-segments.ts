/**
 * The shared-memory names a batch header mentions, for unlinking them when the whole batch
 * is refused (its segments belong to the server all the same, OpenHCS mistake 1). Names
 * are read the way JSON reads them, escapes decoded ("plv_\u0061…" is plv_a…): a regex on
 * the raw text missed those and leaked their segments. Only names passing the plv_<hex>
 * rule come back, at most MAX_IMAGES_PER_MESSAGE of them (bounded work; the producer
 * sweeps whatever is left after the error reply).
 */
import { isShmName, MAX_HEADER_BYTES, MAX_IMAGES_PER_MESSAGE } from '../../protocol/index.js';

function keep(names: Iterable<unknown>): string[] {
  const out = new Set<string>();
  for (const name of names) {
    if (out.size >= MAX_IMAGES_PER_MESSAGE) break;
    if (typeof name === 'string' && isShmName(name)) out.add(name);
  }
  return [...out];
}

/** `images[i].shm_name` of a parsed header, whatever else is wrong with it. */
export function namedSegments(raw: unknown): string[] {
  const images = (raw as { images?: unknown } | null)?.images;
  if (!Array.isArray(images)) return [];
  return keep(images.map(item => (item as { shm_name?: unknown } | null)?.shm_name));
}

const SHM_FIELD = /"shm_name"\s*:\s*("(?:[^"\\\n]|\\.){1,400}")/g;

/**
 * Best effort for a header that is not JSON at all (cut off, not UTF-8): each
 * `"shm_name": "<string>"` in its text, the string decoded as JSON. Skipped for a header
 * over MAX_HEADER_BYTES, which is refused without reading it.
 */
export function namedSegmentsInText(header: Uint8Array | undefined): string[] {
  if (header === undefined || header.byteLength > MAX_HEADER_BYTES) return [];
  const text = Buffer.from(header.buffer, header.byteOffset, header.byteLength).toString('utf8');
  return keep(
    (function* () {
      for (const match of text.matchAll(SHM_FIELD)) {
        try {
          yield JSON.parse(match[1]) as unknown;
        } catch {
          // not a JSON string: no name
        }
      }
    })()
  );
}
