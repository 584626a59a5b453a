/**
 * The plate source process a viewer server starts for each plate it opens from disk
 * (docs/viewer-server.md, "Opening a plate from disk"): `node lib/runtime/plate/plate-source-main.js
 * PATH`, forked with an IPC channel (serialization 'advanced', so planes cross as typed
 * arrays). It opens the plate (PlateSource), then answers requests:
 *
 *   { id, type: 'describe' }                   → { id, description }
 *   { id, type: 'positions' }                  → { id, positions }   (every image's position)
 *   { id, type: 'plane', position, level, bins }
 *                                              → { id, dtype, shape, data, binned }
 *   { id, type: 'planes', items: [{ position, level, bins }…] }
 *                                              → { id, planes: [{ dtype, shape, data, binned } | { error }…] }
 *   anything that fails                        → { id, error }   (the message names the plate)
 *
 * `bins` (optional, ≤ MAX_BINS): halve the plane read at `level` that many times more with the
 * server's 2×2 bin-shrink (protocol/bin-shrink.ts) before sending it: a 384-well grid at 32²
 * from a 128² stored level sent 48 MiB over the channel, whose copies and garbage cost the
 * server ~0.5 s of CPU. `binned` says how many were done: 0 for a dtype the
 * bin-shrink does not average (the server bins those itself, after converting them).
 *
 * `planes` answers a batch in one message, each item on its own (one broken chunk fails its
 * plane only), reading at most PLANE_READS at a time. Started as `plate-source-main.js --spare`
 * it is a warm spare: it loads the OME-Zarr reader and instantiates the Blosc codec, then
 * waits for `{ type: 'open', dir }` (a server opens its next plate without a Node start).
 *
 * It sends `{ type: 'ready', description }` (or `{ type: 'failed', error }` and exits 1) once
 * the plate is open, and exits when its parent goes (the channel closes). This path is a
 * contract, like viewer-server/main.js: the server spawns it by path and imports nothing of
 * runtime.
 */
import { binShrink, type BinnablePixels } from '../../protocol/bin-shrink.js';
import type { WireDtype } from '../../protocol/viewer-api.js';
import type { NdArray } from '../model/image-data.js';
import { PlateSource, type PlatePosition } from './plate-source.js';

/** Planes of one `planes` batch read at once. */
export const PLANE_READS = 8;
/** Most halvings asked for one plane (a 2³¹-pixel side is 1 pixel after 31). */
export const MAX_BINS = 31;

type Item = { position: PlatePosition; level?: number; bins?: number };
type Request =
  | { id: number; type: 'describe' }
  | { id: number; type: 'positions' }
  | ({ id: number; type: 'plane' } & Item)
  | { id: number; type: 'planes'; items: Item[] };

const send = (message: unknown) => process.send?.(message);

async function main(): Promise<void> {
  if (!process.send) {
    console.error('plate-source-main: start me with an IPC channel (child_process.fork)');
    process.exit(2);
  }
  process.on('disconnect', () => process.exit(0));
  const dir = process.argv[2] === '--spare' ? await openAsked() : process.argv[2];
  if (!dir) {
    send({ type: 'failed', error: 'plate-source-main: no plate folder given (argument 1)' });
    process.exit(1);
  }
  let source: PlateSource;
  try {
    source = await PlateSource.open(dir);
  } catch (err) {
    send({ type: 'failed', error: (err as Error).message });
    process.exit(1);
  }
  process.on('message', (request: Request) => {
    void answer(source, request).then(send);
  });
  send({ type: 'ready', description: source.description });
}

/** A spare: warms up while it waits for the folder to open (an `open` message). */
async function openAsked(): Promise<string | undefined> {
  const asked = new Promise<unknown>(resolve => process.once('message', resolve));
  await warm().catch(() => {}); // only a head start: a failure shows when the plate is read
  const message = (await asked) as { type?: string; dir?: unknown } | undefined;
  return message?.type === 'open' && typeof message.dir === 'string' ? message.dir : undefined;
}

/** numcodecs' Blosc as zarrita's registry hands it out (the codec its reads use). */
interface BloscCodec {
  fromConfig(
    config: Record<string, unknown>,
    meta: unknown
  ): {
    encode(data: Uint8Array): Promise<Uint8Array>;
    decode(data: Uint8Array): Promise<Uint8Array>;
  };
}

/** What opening the usual plate costs before its first plane: the reader and its codec. */
async function warm(): Promise<void> {
  await import('./ome-zarr-plate.js');
  const { registry } = await import('zarrita');
  const Blosc = (await registry.get('blosc')?.()) as BloscCodec | undefined;
  if (!Blosc) return;
  const blosc = Blosc.fromConfig({ cname: 'lz4', clevel: 5, shuffle: 1, blocksize: 0 }, []);
  await blosc.decode(await blosc.encode(new Uint8Array(64)));
}

async function answer(source: PlateSource, request: Request): Promise<unknown> {
  const id = request?.id;
  try {
    if (request?.type === 'describe') return { id, description: source.description };
    if (request?.type === 'positions') return { id, positions: source.positions() };
    if (request?.type === 'plane') return { id, ...(await readPlane(source, request)) };
    if (request?.type === 'planes') {
      if (!Array.isArray(request.items))
        throw new Error('planes: items must be an array of { position, level }');
      return { id, planes: await readPlanes(source, request.items) };
    }
    const type = (request as { type?: unknown } | undefined)?.type;
    return {
      id,
      error: `unknown request ${JSON.stringify(type)}; use describe, positions, plane or planes`
    };
  } catch (err) {
    return { id, error: (err as Error).message };
  }
}

async function readPlane(source: PlateSource, item: Item) {
  const bins = item.bins ?? 0;
  if (!Number.isInteger(bins) || bins < 0 || bins > MAX_BINS)
    throw new Error(`bins must be an integer 0–${MAX_BINS}, got ${JSON.stringify(item.bins)}`);
  const plane = await source.plane(item.position, item.level ?? 0);
  const { dtype, shape, data, binned } = halve(plane, bins);
  return { dtype, shape, data, binned };
}

/** The dtypes the bin-shrink averages as the server does (the server's wire dtypes). */
const AVERAGED: readonly string[] = ['uint8', 'uint16', 'float32'];

/** `plane` halved `bins` times, or as it is when its dtype is not one the server averages. */
function halve(plane: NdArray, bins: number): NdArray & { binned: number } {
  if (bins === 0 || !AVERAGED.includes(plane.dtype) || plane.shape.length !== 2)
    return { ...plane, binned: 0 };
  const [h, w] = plane.shape;
  const { pixels, shape } = binShrink(
    plane.data as BinnablePixels,
    h,
    w,
    plane.dtype as WireDtype,
    bins
  );
  return { dtype: plane.dtype, shape, data: pixels as NdArray['data'], binned: bins };
}

/** Each item's plane or its error, in the items' order, PLANE_READS at a time. */
async function readPlanes(source: PlateSource, items: Item[]): Promise<unknown[]> {
  const out: unknown[] = new Array(items.length);
  let next = 0;
  const reader = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await readPlane(source, items[i]).catch((err: Error) => ({ error: err.message }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(PLANE_READS, items.length) }, reader));
  return out;
}

void main();
