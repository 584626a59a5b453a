/**
 * `GET api/thumbnails` (protocol/thumbnails.ts): every well's plane of one layer at the
 * level `api/plane` would serve for the same `max`, in one reply, so the plate grid costs
 * one request per layer instead of one per well and channel. Levels come from the core's
 * LevelCache, so a plane is downsampled once, not once per request. Bounded before any
 * work: the wells asked, and their bytes at the layer's size at that level. Wells are read
 * THUMBNAIL_READS at a time; a well whose plane cannot be read is listed in `failed` with
 * the reason and the others are answered.
 */
import type { ServerResponse } from 'node:http';
import {
  BYTES_PER_PIXEL,
  encodeThumbnails,
  MAX_THUMBNAIL_BYTES,
  MAX_THUMBNAILS_PER_REQUEST,
  parsePlanePosition,
  type PlanePosition,
  type Thumbnail
} from '../../protocol/index.js';
import { PlaneRequestError } from '../core/plane-request.js';
import type { ViewerCore } from '../core/viewer-core.js';

type Well = string | number;

const USAGE =
  'api/thumbnails needs layer=<key>, at=<other axis values as JSON, no well>, max=<pixels ≥ 1> and optionally wells=<JSON array of wells>';

export class ThumbnailsError extends Error {
  override name = 'ThumbnailsError';
  constructor(
    message: string,
    readonly status: 400 | 404 | 413
  ) {
    super(message);
  }
}

/** The reply body for `url`'s query; throws ThumbnailsError for a bad or too big ask. */
export async function thumbnailsBody(core: ViewerCore, url: URL): Promise<Uint8Array> {
  const key = url.searchParams.get('layer');
  const max = Number(url.searchParams.get('max'));
  if (key === null || !(max >= 1)) throw new ThumbnailsError(USAGE, 400);
  let at: PlanePosition;
  try {
    at = parsePlanePosition(url.searchParams.get('at'));
  } catch (err) {
    throw new ThumbnailsError(
      `${(err as Error).message.replace('api/plane', 'api/thumbnails')}`,
      400
    );
  }
  if ('well' in at) throw new ThumbnailsError(`api/thumbnails: at names a well; ${USAGE}`, 400);
  const layer = core.layers.get(key);
  if (layer === undefined)
    throw new ThumbnailsError(
      `no layer ${JSON.stringify(key)}; GET api/state lists the layers`,
      404
    );
  const wells = parseWells(url.searchParams.get('wells')) ?? wellsOf(layer.info().axes);
  if (wells.length > MAX_THUMBNAILS_PER_REQUEST)
    throw new ThumbnailsError(
      `api/thumbnails: ${wells.length} wells asked, at most ${MAX_THUMBNAILS_PER_REQUEST} per request; split them with wells=[…]`,
      413
    );
  // bounded before any work: every well asked counts at the layer's size at that level
  const [h, w] = core.servedShape(key, max)!;
  const asked = wells.length * h * w * BYTES_PER_PIXEL[layer.wireDtype];
  if (asked > MAX_THUMBNAIL_BYTES) throw tooBig(max);
  const served: (Served | undefined)[] = new Array(wells.length);
  // by well index, so the reply lists them in the order asked
  const missing = new Map<number, Well>();
  const failed = new Map<number, { well: Well; error: string }>();
  let bytes = 0;
  let firstError: unknown;
  // A few wells at a time: a plate from disk answers a turn's reads in one batch from its
  // source (plate-source-process.ts); one at a time, 1,536 round trips made a 384-well grid
  // wait ~10 s (issue 17, open speed).
  await eachBounded(wells, THUMBNAIL_READS, async (well, i) => {
    if (bytes > MAX_THUMBNAIL_BYTES) return; // answered 413 below
    let plane;
    try {
      plane = await core.plane(key, { ...at, well }, max);
    } catch (err) {
      if (err instanceof PlaneRequestError && err.status === 404) missing.set(i, well);
      else {
        firstError ??= err;
        failed.set(i, { well, error: (err as Error).message });
      }
      return;
    }
    // copied into the reply at once, so the stored plane is lent only for this step
    const { pixels: p, shape, dtype, level, revision } = plane;
    bytes += p.byteLength;
    if (bytes <= MAX_THUMBNAIL_BYTES)
      served[i] = {
        info: { well, shape, dtype, level, revision },
        pixels: new Uint8Array(p.buffer, p.byteOffset, p.byteLength).slice()
      };
    plane.release();
  });
  if (bytes > MAX_THUMBNAIL_BYTES) throw tooBig(max); // the layer grew meanwhile
  const planes = served.filter((p): p is Served => p !== undefined);
  // every well failed: the layer's source is broken, not a well (HTTP 500 with its reason)
  if (planes.length === 0 && failed.size > 0 && missing.size === 0) throw firstError;
  const inOrder = <T>(m: Map<number, T>) => [...m].sort(([a], [b]) => a - b).map(([, v]) => v);
  return encodeThumbnails(key, planes, inOrder(missing), inOrder(failed));
}

type Served = { info: Omit<Thumbnail, 'offset'>; pixels: Uint8Array };

/** Wells whose planes are read at once for one request. */
export const THUMBNAIL_READS = 32;

/** `fn` over `items`, at most `limit` at a time. */
async function eachBounded<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function tooBig(max: number): ThumbnailsError {
  return new ThumbnailsError(
    `api/thumbnails: more than ${MAX_THUMBNAIL_BYTES} bytes of pixels at max=${max}; ask fewer wells (wells=[…]) or a smaller max`,
    413
  );
}

export function sendThumbnails(res: ServerResponse, body: Uint8Array): void {
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': body.byteLength,
    'cache-control': 'no-store'
  });
  res.end(body);
}

function wellsOf(axes: { name: string; values: Well[] }[]): Well[] {
  return axes.find(a => a.name === 'well')?.values ?? [];
}

function parseWells(text: string | null): Well[] | null {
  if (text === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!Array.isArray(json) || !json.every(w => typeof w === 'string' || typeof w === 'number'))
    throw new ThumbnailsError(
      `api/thumbnails: wells=${text.slice(0, 100)} is not a JSON array of well names, e.g. wells=["A01","B02"]`,
      400
    );
  return json as Well[];
}
