/**
 * Stores images in OME-Zarr HCS plates: NGFF 0.4 on zarr v2 (the default) or NGFF 0.5 on zarr
 * v3 (option `ngff: '0.5'`); layout in ome-zarr-layout.ts, file forms in zarr-dialect.ts. A path `<dir>/<ImageXpress name>` maps to the store `<dir>` when that folder ends in
 * `.zarr`, else to `<dir>.zarr` next to it; the name's well, site, channel, z and timepoint pick
 * the plane: `out/A01_s002_w3_z001_t001.tif` → `out.zarr/A/01/1/0[0, 2, 0, :, :]`.
 * A 3D array saved under a name without `_z` fills z planes 0…n−1 and loads back as 3D.
 *
 * Per plane, a save writes the chunk and the field's attributes (names, display window); the
 * array metadata only when the array grows (zarr-store.ts keeps it between saves).
 * Writers are serialized per store inside this process (wells run in parallel); two processes
 * must not write the same store at once. Each chunk and metadata file is replaced atomically.
 */
import path from 'node:path';
import { INTEGER_RANGES, type PixelSize } from '../../protocol/index.js';
import { validateNdArray, type NdArray } from '../model/image-data.js';
import {
  parseImageXpressName,
  splitWell,
  IMAGE_XPRESS_PATTERN,
  type ImageXpressName
} from '../model/image-xpress.js';
import type { StorageBackend } from './backend.js';
import { StorageError } from './storage-error.js';
import { confinedPath, rootFolder } from './confined-path.js';
import { ZarrStore } from './zarr/zarr-store.js';
import { dialectOf } from './zarr/zarr-dialect.js';
import { sizeField } from './zarr/zarr-plate.js';
import {
  NAMES_KEY,
  NGFF_VERSIONS,
  emptyFieldAttrs,
  noteChannel,
  type FieldAttrs,
  type NgffVersion,
  type PlateAttrs,
  type SlotEntry,
  type WellAttrs
} from './zarr/ome-zarr-layout.js';

export interface ZarrBackendOptions {
  /** Channel number (as string) → name for the omero metadata, e.g. a plate's `channelNames`. */
  channelNames?: Record<string, string>;
  /** When set, every store must lie inside this folder (see DiskBackend). */
  root?: string;
  /**
   * NGFF version of the stores this backend creates: '0.4' (zarr v2, the default) or '0.5'
   * (zarr v3). An existing store keeps its own version; naming another one here is an error.
   */
  ngff?: NgffVersion;
  /** Pixel size of the planes (e.g. the plate's): the fields' y/x scale and unit. */
  pixelSize?: PixelSize;
}

/** Where one file name lives inside a store. */
interface Slot {
  store: string;
  name: string;
  parsed: ImageXpressName;
  /** `A/01` */
  wellPath: string;
  field: number;
  t: number;
  c: number;
  z: number;
}

/**
 * Tail of the write queue of each store, shared by every ZarrBackend of this process: two
 * FileManagers writing one store must not interleave their metadata read-modify-write.
 */
const storeLocks = new Map<string, Promise<unknown>>();

export class ZarrBackend implements StorageBackend {
  readonly name = 'zarr' as const;
  private readonly root: string | null;
  private readonly ngff: NgffVersion | null;
  /** Stores seen by this backend, with the field metadata they keep between saves. */
  private readonly stores = new Map<string, ZarrStore>();
  channelNames: Record<string, string>;
  private readonly pixelSize: PixelSize | null;

  constructor(options: ZarrBackendOptions = {}) {
    this.root = rootFolder(options.root);
    this.pixelSize = options.pixelSize ?? null;
    this.channelNames = { ...(options.channelNames ?? {}) };
    if (options.ngff !== undefined && !NGFF_VERSIONS.includes(options.ngff)) {
      throw new StorageError(
        this.name,
        '(options)',
        `ngff must be one of ${NGFF_VERSIONS.join(', ')}, got '${String(options.ngff)}'`
      );
    }
    this.ngff = options.ngff ?? null;
  }

  /** The NGFF version new stores get. */
  get ngffVersion(): NgffVersion {
    return this.ngff ?? '0.4';
  }

  /** The store folder a path or directory maps to. */
  storeOf(dirOrPath: string): string {
    const dir = this.resolve(dirOrPath);
    return dir.toLowerCase().endsWith('.zarr') ? dir : `${dir}.zarr`;
  }

  async save(array: NdArray, filePath: string): Promise<void> {
    const slot = this.slotOf(filePath);
    validateNdArray(array, `[zarr backend] ${filePath}`);
    const rank = array.shape.length;
    if (rank !== 2 && rank !== 3) {
      throw new StorageError(
        this.name,
        filePath,
        `expected a 2D plane [y, x] or 3D stack [z, y, x], got shape [${array.shape.join(', ')}]`
      );
    }
    if (rank === 3 && slot.parsed.z_index !== null) {
      throw new StorageError(
        this.name,
        filePath,
        `a 3D stack needs a name without _z (its planes fill z 1…${array.shape[0]}); drop '_z${slot.parsed.z_index}' or save planes one by one`
      );
    }
    await this.withLock(slot.store, () => this.write(slot, array));
  }

  async load(filePath: string): Promise<NdArray> {
    const slot = this.slotOf(filePath);
    const found = await this.find(slot);
    if (!found) {
      throw new StorageError(
        this.name,
        filePath,
        `no image saved for well ${slot.parsed.well} site ${slot.field + 1} channel ${slot.c + 1} z ${slot.z + 1} ` +
          `timepoint ${slot.t + 1} in store '${slot.store}'; check the path or that the step writing it ran`
      );
    }
    const { store, field, entry } = found;
    return store.readPlanes(field, entry.t, entry.c, entry.z, entry.depth);
  }

  async exists(filePath: string): Promise<boolean> {
    return (await this.find(this.slotOf(filePath))) !== null;
  }

  async list(dir: string): Promise<string[]> {
    const folder = this.resolve(dir);
    const store = await ZarrStore.open(this.storeOf(folder));
    const plate = (await store?.readGroup('')) as PlateAttrs | null;
    if (!store || !plate?.plate) return [];
    const names: string[] = [];
    for (const well of plate.plate.wells) {
      const wellAttrs = (await store.readGroup(well.path)) as WellAttrs | null;
      for (const image of wellAttrs?.well?.images ?? []) {
        const field = (await store.readGroup(`${well.path}/${image.path}`)) as FieldAttrs | null;
        names.push(...Object.keys(field?.[NAMES_KEY]?.names ?? {}));
      }
    }
    return names.map(n => path.join(folder, n)).sort();
  }

  private async write(slot: Slot, array: NdArray): Promise<void> {
    const store = await this.storeFor(slot);
    const [depth, ny, nx] = array.shape.length === 3 ? array.shape : [1, ...array.shape];
    const dir = `${slot.wellPath}/${slot.field}`;
    const existing = await store.field(dir);
    try {
      let meta = existing?.meta ?? { shape: [0, 0, 0, ny, nx], dtype: array.dtype };
      const [, , , y0, x0] = meta.shape;
      if (meta.dtype !== array.dtype || y0 !== ny || x0 !== nx) {
        throw new StorageError(
          this.name,
          slot.name,
          `field ${dir} of '${slot.store}' holds ${meta.dtype} planes of ${y0}×${x0}, ` +
            `this image is ${array.dtype} ${ny}×${nx}; every plane of a field must match (write to another folder)`
        );
      }
      const needed = [slot.t + 1, slot.c + 1, slot.z + depth];
      if (!existing || needed.some((n, i) => n > meta.shape[i])) {
        const spec = {
          dir,
          wellPath: slot.wellPath,
          field: slot.field,
          dtype: array.dtype,
          ny,
          nx
        };
        meta = await sizeField(store, spec, needed, !existing);
      }

      const planeSize = ny * nx;
      for (let k = 0; k < depth; k++) {
        const plane = array.data.subarray(k * planeSize, (k + 1) * planeSize);
        await store.writePlane(dir, slot.t, slot.c, slot.z + k, plane);
      }

      // The name is recorded last, so a name is listed only once its planes are on disk.
      const attrs =
        existing?.attrs ??
        emptyFieldAttrs(
          `${slot.parsed.well} field ${slot.field}`,
          store.dialect.ngff,
          this.pixelSize
        );
      const names = attrs[NAMES_KEY].names;
      const first = !Object.values(names).some(e => e.c === slot.c);
      for (const [name, e] of Object.entries(names)) {
        if (name !== slot.name && e.t === slot.t && e.c === slot.c && overlaps(e, slot.z, depth))
          delete names[name];
      }
      names[slot.name] = { t: slot.t, c: slot.c, z: slot.z, depth };
      const range = valueRange(array.data);
      noteChannel(
        attrs,
        slot.c,
        c => this.channelNames[String(c + 1)] ?? `Channel ${c + 1}`,
        INTEGER_RANGES[array.dtype] ?? range,
        range,
        first
      );
      await store.writeFieldAttrs({ dir, meta, attrs });
    } catch (error) {
      store.forget(dir); // what memory holds may now be ahead of the disk
      throw error;
    }
  }

  /** The store a save goes to: known, found on disk, or new in this backend's NGFF version. */
  private async storeFor(slot: Slot): Promise<ZarrStore> {
    let store = this.stores.get(slot.store) ?? (await ZarrStore.open(slot.store));
    if (store && this.ngff && store.dialect.ngff !== this.ngff) {
      throw new StorageError(
        this.name,
        slot.name,
        `store '${slot.store}' is NGFF ${store.dialect.ngff} (zarr v${store.dialect.zarrFormat}), ` +
          `this backend was asked for NGFF ${this.ngff}; write to another folder or remove the store`
      );
    }
    store ??= new ZarrStore(slot.store, dialectOf(this.ngffVersion));
    this.stores.set(slot.store, store);
    return store;
  }

  /** The saved entry a slot names, with its store and field, or null. */
  private async find(slot: Slot) {
    const store = this.stores.get(slot.store) ?? (await ZarrStore.open(slot.store));
    const field = store && (await store.field(`${slot.wellPath}/${slot.field}`));
    const entry = field && findEntry(field.attrs, slot);
    if (!store || !field || !entry) return null;
    this.stores.set(slot.store, store);
    return { store, field, entry };
  }

  private slotOf(filePath: string): Slot {
    const full = this.resolve(filePath);
    const name = path.basename(full);
    const parsed = parseImageXpressName(name);
    if (!parsed) {
      throw new StorageError(
        this.name,
        filePath,
        `the zarr backend places images by their file name; expected ${IMAGE_XPRESS_PATTERN}`
      );
    }
    const { row, column } = splitWell(parsed.well);
    const index = (value: number | null, part: string): number => {
      if (value === null) return 0;
      if (value < 1)
        throw new StorageError(
          this.name,
          filePath,
          `${part} ${value}: ImageXpress numbers count from 1`
        );
      return value - 1;
    };
    return {
      store: this.storeOf(path.dirname(full)),
      name,
      parsed,
      wellPath: `${row}/${String(column).padStart(2, '0')}`,
      field: index(parsed.site, 'site'),
      t: index(parsed.timepoint, 'timepoint'),
      c: index(parsed.channel, 'channel'),
      z: index(parsed.z_index, 'z')
    };
  }

  private resolve(p: string): string {
    return confinedPath(this.root, p, this.name);
  }

  /** Runs `task` after every earlier task on the same store has settled. */
  private withLock<T>(store: string, task: () => Promise<T>): Promise<T> {
    const previous = storeLocks.get(store) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.catch(() => undefined);
    storeLocks.set(store, settled);
    void settled.then(() => {
      if (storeLocks.get(store) === settled) storeLocks.delete(store);
    });
    return next;
  }
}

function findEntry(attrs: FieldAttrs, slot: Slot): SlotEntry | null {
  const names = attrs[NAMES_KEY].names;
  if (names[slot.name]) return names[slot.name];
  const entries = Object.values(names).filter(e => e.t === slot.t && e.c === slot.c);
  // A name with `_z` reaches its plane, also inside a 3D stack saved under another name.
  if (slot.parsed.z_index !== null) {
    return entries.some(e => overlaps(e, slot.z, 1))
      ? { t: slot.t, c: slot.c, z: slot.z, depth: 1 }
      : null;
  }
  // Without `_z`: whatever was saved starting at the first plane (`A01_s1_w1.tif` vs `…_z001…`).
  return entries.find(e => e.z === 0) ?? null;
}

function overlaps(e: SlotEntry, z: number, depth: number): boolean {
  return e.z < z + depth && z < e.z + e.depth;
}

function valueRange(data: NdArray['data']): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return Number.isFinite(lo) ? [lo, hi] : [0, 0];
}
