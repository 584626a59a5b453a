/**
 * Stores images in OME-Zarr HCS plates (NGFF 0.4, zarr v2; layout in ome-zarr-layout.ts) through
 * zarrita. A path `<dir>/<ImageXpress name>` maps to the store `<dir>` when that folder ends in
 * `.zarr`, else to `<dir>.zarr` next to it; the name's well, site, channel, z and timepoint pick
 * the plane: `out/A01_s002_w3_z001_t001.tif` → `out.zarr/A/01/1/0[0, 2, 0, :, :]`.
 * A 3D array saved under a name without `_z` fills z planes 0…n−1 and loads back as 3D.
 *
 * Writers are serialized per store inside this process (wells run in parallel); two processes
 * must not write the same store at once. Each chunk and metadata file is replaced atomically.
 */
import path from 'node:path';
import * as zarr from 'zarrita';
import type { Dtype } from '../../protocol/index.js';
import { createNdArray, validateNdArray, type NdArray } from '../model/image-data.js';
import {
  parseImageXpressName,
  splitWell,
  IMAGE_XPRESS_PATTERN,
  type ImageXpressName
} from '../model/image-xpress.js';
import type { StorageBackend } from './backend.js';
import { StorageError } from './storage-error.js';
import { confinedPath, rootFolder } from './confined-path.js';
import { AtomicFileSystemStore } from './atomic-fs-store.js';
import {
  NAMES_KEY,
  addField,
  addWell,
  dtypeFromV2,
  emptyFieldAttrs,
  emptyPlateAttrs,
  emptyWellAttrs,
  noteChannel,
  v2Dtype,
  type FieldAttrs,
  type PlateAttrs,
  type SlotEntry,
  type WellAttrs,
  type ZArray
} from './ome-zarr-layout.js';

export interface ZarrBackendOptions {
  /** Channel number (as string) → name for the omero metadata, e.g. a plate's `channelNames`. */
  channelNames?: Record<string, string>;
  /** When set, every store must lie inside this folder (see DiskBackend). */
  root?: string;
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

const INT_RANGES: Partial<Record<Dtype, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  uint16: [0, 65535],
  int16: [-32768, 32767],
  uint32: [0, 4294967295],
  int32: [-2147483648, 2147483647]
};

/**
 * Tail of the write queue of each store, shared by every ZarrBackend of this process: two
 * FileManagers writing one store must not interleave their metadata read-modify-write.
 */
const storeLocks = new Map<string, Promise<unknown>>();

export class ZarrBackend implements StorageBackend {
  readonly name = 'zarr' as const;
  private readonly root: string | null;
  channelNames: Record<string, string>;

  constructor(options: ZarrBackendOptions = {}) {
    this.root = rootFolder(options.root);
    this.channelNames = { ...(options.channelNames ?? {}) };
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
    const field = await this.readField(slot);
    const entry = field && findEntry(field.attrs, slot);
    if (!field || !entry) {
      throw new StorageError(
        this.name,
        filePath,
        `no image saved for well ${slot.parsed.well} site ${slot.field + 1} channel ${slot.c + 1} z ${slot.z + 1} ` +
          `timepoint ${slot.t + 1} in store '${slot.store}'; check the path or that the step writing it ran`
      );
    }
    const array = await zarr.open.v2(
      zarr.root(new AtomicFileSystemStore(slot.store)).resolve(`${slot.wellPath}/${slot.field}/0`),
      {
        kind: 'array',
        attrs: false
      }
    );
    const z = entry.depth > 1 ? zarr.slice(entry.z, entry.z + entry.depth) : entry.z;
    const chunk = await zarr.get(array, [entry.t, entry.c, z, null, null]);
    const dtype = dtypeFromV2(field.zarray.dtype)!;
    return createNdArray(chunk.data as NdArray['data'], chunk.shape, dtype);
  }

  async exists(filePath: string): Promise<boolean> {
    const slot = this.slotOf(filePath);
    const field = await this.readField(slot);
    return Boolean(field && findEntry(field.attrs, slot));
  }

  async list(dir: string): Promise<string[]> {
    const folder = this.resolve(dir);
    const store = this.storeOf(folder);
    const plate = await readJson<PlateAttrs>(store, '.zattrs');
    if (!plate?.plate) return [];
    const names: string[] = [];
    for (const well of plate.plate.wells) {
      const wellAttrs = await readJson<WellAttrs>(store, `${well.path}/.zattrs`);
      for (const image of wellAttrs?.well.images ?? []) {
        const field = await readJson<FieldAttrs>(store, `${well.path}/${image.path}/.zattrs`);
        names.push(...Object.keys(field?.[NAMES_KEY]?.names ?? {}));
      }
    }
    return names.map(n => path.join(folder, n)).sort();
  }

  private async write(slot: Slot, array: NdArray): Promise<void> {
    const store = new AtomicFileSystemStore(slot.store);
    const [depth, ny, nx] = array.shape.length === 3 ? array.shape : [1, ...array.shape];
    const fieldDir = `${slot.wellPath}/${slot.field}`;

    const existing = await this.readField(slot);
    let zarray: ZArray;
    if (existing) {
      zarray = existing.zarray;
      const [, , , y0, x0] = zarray.shape;
      if (zarray.dtype !== v2Dtype(array.dtype) || y0 !== ny || x0 !== nx) {
        throw new StorageError(
          this.name,
          slot.name,
          `field ${fieldDir} of '${slot.store}' holds ${dtypeFromV2(zarray.dtype)} planes of ${y0}×${x0}, ` +
            `this image is ${array.dtype} ${ny}×${nx}; every plane of a field must match (write to another folder)`
        );
      }
    } else {
      zarray = {
        zarr_format: 2,
        shape: [0, 0, 0, ny, nx],
        chunks: [1, 1, 1, ny, nx],
        dtype: v2Dtype(array.dtype),
        compressor: null,
        fill_value: 0,
        order: 'C',
        filters: null,
        dimension_separator: '/'
      };
    }
    const needed = [slot.t + 1, slot.c + 1, slot.z + depth];
    const grows = needed.some((n, i) => n > zarray.shape[i]);
    if (grows) {
      zarray = {
        ...zarray,
        shape: [...needed.map((n, i) => Math.max(n, zarray.shape[i])), ny, nx]
      };
      // Growing only rewrites .zarray: chunk keys of a C-order, one-plane-per-chunk array do not move.
      await writeJson(store, `${fieldDir}/0/.zarray`, zarray);
    }
    if (!existing) await this.registerField(store, slot);

    const target = await zarr.open.v2(zarr.root(store).resolve(`${fieldDir}/0`), {
      kind: 'array',
      attrs: false
    });
    const planeSize = ny * nx;
    for (let k = 0; k < depth; k++) {
      const plane = array.data.subarray(k * planeSize, (k + 1) * planeSize);
      await zarr.set(target, [slot.t, slot.c, slot.z + k, null, null], {
        data: plane,
        shape: [ny, nx],
        stride: [nx, 1]
      } as never);
    }

    // The name is recorded last, so a name is listed only once its planes are on disk.
    const attrs = existing?.attrs ?? emptyFieldAttrs(`${slot.parsed.well} field ${slot.field}`);
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
      INT_RANGES[array.dtype] ?? range,
      range,
      first
    );
    await writeJson(store, `${fieldDir}/.zattrs`, attrs);
  }

  /** Adds the field to its well and the well to the plate (groups and attributes). */
  private async registerField(store: AtomicFileSystemStore, slot: Slot): Promise<void> {
    const plate =
      (await readJson<PlateAttrs>(slot.store, '.zattrs')) ??
      emptyPlateAttrs(path.basename(slot.store, '.zarr'));
    if (!plate.plate) Object.assign(plate, emptyPlateAttrs(path.basename(slot.store, '.zarr')));
    const [row, column] = slot.wellPath.split('/');
    addWell(plate, row, column);
    const well =
      (await readJson<WellAttrs>(slot.store, `${slot.wellPath}/.zattrs`)) ?? emptyWellAttrs();
    addField(well, slot.field);
    plate.plate.field_count = Math.max(plate.plate.field_count, well.well.images.length);
    for (const group of ['', `${row}/`, `${slot.wellPath}/`, `${slot.wellPath}/${slot.field}/`]) {
      await writeJson(store, `${group}.zgroup`, { zarr_format: 2 });
    }
    await writeJson(store, `${slot.wellPath}/.zattrs`, well);
    await writeJson(store, '.zattrs', plate);
  }

  private async readField(slot: Slot): Promise<{ attrs: FieldAttrs; zarray: ZArray } | null> {
    const dir = `${slot.wellPath}/${slot.field}`;
    const zarray = await readJson<ZArray>(slot.store, `${dir}/0/.zarray`);
    if (!zarray) return null;
    const attrs =
      (await readJson<FieldAttrs>(slot.store, `${dir}/.zattrs`)) ?? emptyFieldAttrs(dir);
    attrs[NAMES_KEY] ??= { names: {} };
    return { attrs, zarray };
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

async function readJson<T>(store: string, key: string): Promise<T | null> {
  const bytes = await new AtomicFileSystemStore(store).get(`/${key}`);
  if (!bytes) return null;
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch (cause) {
    throw new StorageError(
      'zarr',
      path.join(store, key),
      'metadata file is not valid JSON; the store is damaged',
      { cause }
    );
  }
}

async function writeJson(store: AtomicFileSystemStore, key: string, value: unknown): Promise<void> {
  await store.set(`/${key}`, new TextEncoder().encode(JSON.stringify(value, null, 2)));
}
