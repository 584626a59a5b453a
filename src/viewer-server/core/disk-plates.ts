/**
 * The plates a server shows from disk (control request `open_plate`): one plate source
 * process per plate (plate-source-process.ts) and one layer per plate, marked origin 'disk',
 * whose planes are references only: the core asks `read` for a plane's pixels when api/plane
 * or api/thumbnails serve it. Nothing is copied into the plane store: the layer store keeps
 * only each plate's folder and key (saved-plates.ts). Clear and stop end the sources.
 */
import { DTYPES, type Dtype } from '../../protocol/index.js';
import type { Layer, NewPlane, PlaneRef } from '../model/layer.js';
import type { LayerStore } from '../model/layer-store.js';
import { levelShape } from '../pixels/plane-levels.js';
import { samplePixelRange } from '../pixels/pixel-range.js';
import {
  ForkedSource,
  PLATE_SOURCE_MAIN,
  PlateSourceProcess,
  type DiskPosition
} from './plate-source-process.js';

/** Each open plate is a process: at most this many at once. */
export const MAX_OPEN_PLATES = 16;
/**
 * A spare taken by an open is replaced this long after, not while the plate and its grid are
 * first read (a fork 3 s after took ~0.3 s of CPU from them at load ~18).
 */
export const SPARE_AGAIN_MS = 10_000;

export class DiskPlates {
  /** Layer key → its source. */
  private readonly sources = new Map<string, PlateSourceProcess>();
  /**
   * A plate source started before it is asked (warmSpare): an open then skips the Node start,
   * the reader's imports and the codec's set-up (~0.4–1 s of an open's acknowledgement).
   */
  private spare: ForkedSource | undefined;
  private spares = false;
  private spareTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly layers: LayerStore,
    private readonly log: (line: string) => void,
    private readonly script?: string
  ) {}

  get count(): number {
    return this.sources.size;
  }

  /**
   * Opens the plate folder `dir` as a layer, named `key` when given and free (a restart
   * reopening it); resolves to its key. Throws the reader's error.
   */
  async open(dir: string, key?: string): Promise<string> {
    for (const [open, source] of this.sources) if (source.path === dir) return open;
    if (this.sources.size >= MAX_OPEN_PLATES)
      throw new Error(
        `cannot open plate '${dir}': ${MAX_OPEN_PLATES} plates are open already (each is a process); Clear the viewer first`
      );
    const spare = this.takeSpare();
    const source = await PlateSourceProcess.open(dir, this.script, spare).finally(() => {
      if (spare) this.spareSoon();
    });
    try {
      const { description } = source;
      const dtype = description.dtype as Dtype;
      if (!DTYPES.includes(dtype))
        throw new Error(
          `plate '${dir}' stores pixels of type ${description.dtype}, which the viewer does not show`
        );
      const positions = await source.positions();
      // Contrast limits are seeded from the first plane (at its smallest stored level).
      const first = await source.plane(positions[0], description.levels.length - 1);
      const range = samplePixelRange(dtype, bytesOf(first.data));
      if (key === undefined || this.layers.get(key) !== undefined)
        key = this.freeKey(description.name);
      const planes: NewPlane[] = positions.map(position => ({
        metadata: metadataOf(position),
        shape: description.shape,
        dtype,
        range,
        path: `${description.root} ${JSON.stringify(position)}`,
        imageId: JSON.stringify(position)
      }));
      const changes = this.layers.addImage(planes, {
        display: { component_modes: {}, colormap: 'gray', variable_size_handling: 'pad_to_max' },
        names: { channel: description.channelNames },
        layerName: key,
        ...(description.pixelSize ? { pixelSize: description.pixelSize } : {})
      });
      changes[0].layer.origin = 'disk';
      this.sources.set(key, source);
      this.log(
        `opened plate ${description.root} as layer ${key} (${positions.length} planes, from disk)`
      );
      return key;
    } catch (err) {
      source.close();
      throw err;
    }
  }

  /** The plates open now: folder and layer key, in the order they were opened. */
  opened(): { path: string; key: string }[] {
    return [...this.sources].map(([key, source]) => ({ path: source.path, key }));
  }

  /** Is `layer` a plate on disk? */
  has(layer: Layer): boolean {
    return layer.origin === 'disk' && this.sources.has(layer.key);
  }

  /**
   * The level the plate stores at `shape` ([h, w]) for `layer`, if any (an OME-Zarr's
   * multiscales): served from the files instead of binned from level 0.
   */
  storedLevel(layer: Layer, shape: readonly [number, number]): number | undefined {
    const levels = this.sources.get(layer.key)?.description.levels ?? [];
    const k = levels.findIndex(([h, w]) => h === shape[0] && w === shape[1]);
    return k > 0 ? k : undefined;
  }

  /**
   * The deepest level ≤ `level` the plate stores for `layer`'s planes of `shape` (0 when
   * none below full size): a level below the pyramid is binned from it, not from level 0 (a
   * 384-well grid at 64² would otherwise decode every well's 2048² plane).
   */
  deepestStoredLevel(layer: Layer, shape: readonly [number, number], level: number): number {
    const levels = this.sources.get(layer.key)?.description.levels ?? [];
    for (let k = Math.min(level, levels.length - 1); k > 0; k--) {
      const [h, w] = levelShape([shape[0], shape[1]], k);
      if (levels[k][0] === h && levels[k][1] === w) return k;
    }
    return 0;
  }

  /** The pixels of a disk layer's plane at stored level `level` (0: full resolution), as bytes. */
  async read(layer: Layer, plane: PlaneRef, level = 0): Promise<Uint8Array> {
    return (await this.readBinned(layer, plane, level, 0)).bytes;
  }

  /**
   * The plane at stored level `level` halved `bins` more times by its source, if the source
   * averages its dtype: the bytes, their [h, w] and how many halvings were done (the caller
   * does the rest, after converting to the wire dtype).
   */
  async readBinned(
    layer: Layer,
    plane: PlaneRef,
    level: number,
    bins: number
  ): Promise<{ bytes: Uint8Array; shape: [number, number]; binned: number }> {
    const source = this.sources.get(layer.key);
    if (!source) throw new Error(`layer ${layer.key} is no plate open from disk`);
    const read = await source.plane(positionOf(plane), level, bins);
    const [h, w] = read.shape.slice(-2);
    return { bytes: bytesOf(read.data), shape: [h, w], binned: read.binned };
  }

  /** Ends every plate's source (the layers go with the core's clear); the spare stays. */
  closeAll(): void {
    for (const source of this.sources.values()) source.close();
    this.sources.clear();
  }

  /** Ends every source and the spare; no spare is started again (the server stops). */
  close(): void {
    this.closeAll();
    this.spares = false;
    clearTimeout(this.spareTimer);
    this.spare?.kill();
    this.spare = undefined;
  }

  /**
   * Keeps one warm plate source waiting for the next plate opened (the server calls this once
   * ready; a spare taken is replaced SPARE_AGAIN_MS later). One idle Node process at most; it
   * exits when the server goes, even by kill -9 (its IPC channel closes).
   */
  warmSpare(): void {
    this.spares = true;
    if (this.spare?.alive) return;
    this.spare?.kill();
    this.spare = new ForkedSource(this.script ?? PLATE_SOURCE_MAIN, ['--spare']);
  }

  /** The spare's process id, if one waits (tests check it is used and replaced). */
  get sparePid(): number | undefined {
    return this.spare?.alive ? this.spare.child.pid : undefined;
  }

  private takeSpare(): ForkedSource | undefined {
    const spare = this.spare;
    this.spare = undefined;
    if (spare?.alive) return spare;
    spare?.kill();
    if (this.spares) this.spareSoon(); // it died: the next open gets a new one
    return undefined;
  }

  private spareSoon(): void {
    if (!this.spares) return;
    clearTimeout(this.spareTimer);
    this.spareTimer = setTimeout(() => {
      if (this.spares) this.warmSpare();
    }, SPARE_AGAIN_MS).unref();
  }

  private freeKey(name: string): string {
    const base = name || 'plate';
    let key = base;
    for (let n = 2; this.layers.get(key) !== undefined; n++) key = `${base} (${n})`;
    return key;
  }
}

function metadataOf(p: DiskPosition): NewPlane['metadata'] {
  const metadata: NewPlane['metadata'] = { well: p.well };
  for (const axis of ['site', 'channel', 'z_index', 'timepoint'] as const)
    if (p[axis] !== null) metadata[axis] = p[axis];
  return metadata;
}

/** The plate position a plane was laid out from (its image id). */
function positionOf(plane: PlaneRef): DiskPosition {
  return JSON.parse(plane.imageId) as DiskPosition;
}

function bytesOf(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
