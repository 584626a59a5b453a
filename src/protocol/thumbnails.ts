/**
 * `GET api/thumbnails?layer&at&max[&wells]`: every well's plane of one layer in one reply,
 * for the plate grid (288 single `api/plane` requests went 6 at a time through the proxy:
 * 6.35 s for a 96-well × 3-channel plate). `at` gives the other axes (no `well`); `wells`
 * (JSON array) picks wells, default all of the layer's. Each plane is the level `api/plane`
 * would serve at the same `max`.
 *
 * Body: u32 LE length of a JSON ThumbnailsHeader, the JSON, zero padding to 4 bytes, then
 * each plane's pixels (little-endian) at its `offset` from the body's start, each offset a
 * multiple of 4 so typed arrays can view them in place. Wells without a plane are listed in
 * `missing`, wells whose plane could not be read in `failed` (with the reason). Bounded: ≤ MAX_THUMBNAILS_PER_REQUEST wells and ≤ MAX_THUMBNAIL_BYTES of
 * pixels per reply (HTTP 413 beyond: ask fewer wells or a smaller max).
 */
import { z } from 'zod';
import { viewAs } from './dtype.js';
import { WIRE_DTYPES, type PlanePosition, API_PATHS, type WireDtype } from './viewer-api.js';

const AxisValueSchema = z.union([z.string(), z.number()]);

export const ThumbnailSchema = z.object({
  well: AxisValueSchema,
  /** [height, width] of the served level (padded to the layer's shape at that level). */
  shape: z.tuple([z.number().int().positive(), z.number().int().positive()]),
  dtype: z.enum(WIRE_DTYPES),
  level: z.number().int().nonnegative(),
  revision: z.number().int(),
  /** Byte offset of the pixels from the body's start. */
  offset: z.number().int().nonnegative()
});
export type Thumbnail = z.infer<typeof ThumbnailSchema>;

export const ThumbnailsHeaderSchema = z.object({
  layer: z.string(),
  planes: z.array(ThumbnailSchema),
  /** Wells asked for that have no plane at `at` (not on the axis, or an empty slot). */
  missing: z.array(AxisValueSchema),
  /** Wells whose plane could not be read (a damaged chunk on disk), with the reason. */
  failed: z.array(z.object({ well: AxisValueSchema, error: z.string() })).optional()
});
export type ThumbnailsHeader = z.infer<typeof ThumbnailsHeaderSchema>;

export const BYTES_PER_PIXEL: Record<WireDtype, number> = {
  uint8: 1,
  uint16: 2,
  float32: 4,
  uint32: 4
};

/** `base` ends with '/'. `wells` omitted: all the layer's wells. */
export function thumbnailsUrl(
  base: string,
  layer: string,
  at: PlanePosition,
  maxSize: number,
  wells?: readonly (string | number)[]
): string {
  const q = new URLSearchParams({
    layer,
    at: JSON.stringify(at),
    max: String(Math.max(1, Math.round(maxSize)))
  });
  if (wells) q.set('wells', JSON.stringify(wells));
  return `${base}${API_PATHS.thumbnails}?${q.toString()}`;
}

const align4 = (n: number) => (n + 3) & ~3;

/** The reply body (server side): each plane's pixels follow in the header's order. */
export function encodeThumbnails(
  layer: string,
  planes: { info: Omit<Thumbnail, 'offset'>; pixels: Uint8Array }[],
  missing: (string | number)[],
  failed: { well: string | number; error: string }[] = []
): Uint8Array {
  let at = 0;
  const list = planes.map(p => {
    const offset = at;
    at = align4(at + p.pixels.byteLength);
    return { ...p.info, offset };
  });
  const header: ThumbnailsHeader = {
    layer,
    planes: list,
    missing,
    ...(failed.length > 0 ? { failed } : {})
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = align4(4 + json.byteLength);
  const body = new Uint8Array(start + at);
  new DataView(body.buffer).setUint32(0, json.byteLength, true);
  body.set(json, 4);
  planes.forEach((p, i) => body.set(p.pixels, start + list[i].offset));
  return body;
}

/** A decoded reply: the header and each plane's pixels, viewed in place. */
export interface DecodedThumbnails {
  header: ThumbnailsHeader;
  pixels: (Uint8Array | Uint16Array | Float32Array | Uint32Array)[];
}

/**
 * Read an `api/thumbnails` body (browser side). Throws a RangeError saying what is wrong
 * with a truncated body, a bad header, or pixels that do not fit their shape.
 */
export function decodeThumbnails(buffer: ArrayBuffer): DecodedThumbnails {
  const what = 'api/thumbnails reply';
  if (buffer.byteLength < 4) throw new RangeError(`${what}: ${buffer.byteLength} bytes, no header`);
  const length = new DataView(buffer).getUint32(0, true);
  if (4 + length > buffer.byteLength)
    throw new RangeError(`${what}: header of ${length} bytes in a ${buffer.byteLength}-byte body`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length)));
  } catch (err) {
    throw new RangeError(`${what}: header is not JSON (${(err as Error).message})`);
  }
  const parsed = ThumbnailsHeaderSchema.safeParse(json);
  if (!parsed.success)
    throw new RangeError(`${what}: bad header: ${parsed.error.issues[0].message}`);
  const start = align4(4 + length);
  const pixels = parsed.data.planes.map(p => {
    const bytes = p.shape[0] * p.shape[1] * BYTES_PER_PIXEL[p.dtype];
    const from = start + p.offset;
    if (from % 4 !== 0 || from + bytes > buffer.byteLength)
      throw new RangeError(
        `${what}: well ${p.well}'s ${p.shape.join('×')} ${p.dtype} pixels at ${p.offset} do not fit the ${buffer.byteLength}-byte body`
      );
    return viewAs(p.dtype, new Uint8Array(buffer, from, bytes)) as
      Uint8Array | Uint16Array | Float32Array | Uint32Array;
  });
  return { header: parsed.data, pixels };
}
