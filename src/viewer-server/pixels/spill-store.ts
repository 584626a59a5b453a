/**
 * The server's layer store on disk, the one place for pixels that outlive memory and the
 * process: `<store dir>/planes.zarr`, a zarr v3 group with one 2-D array per plane (`p<id>`,
 * one chunk of raw little-endian bytes), whose attributes carry what the server needs to
 * rebuild the plane's layer (`pipeline_viewer`, opaque here); the group's own attributes carry
 * what belongs to no plane (the plates opened from disk). `<store dir>/store.json`
 * names the format and version; `<store dir>/lock` the server using it (spill-lock.ts).
 *
 * Nothing half-written is loaded back: a plane's chunk is written first, its metadata
 * (`zarr.json`) last, to a temporary name renamed into place; a deleted plane loses its
 * metadata first. At open, a plane whose chunk is not exactly the size its metadata says is
 * reported and removed, one without metadata (killed mid-write) is removed; the rest load.
 * A store of another format version is refused and left as it is. Clear is durable at once:
 * `<store dir>/cleared.json` names the highest plane id it removed, written before any file
 * is deleted; the next open removes every plane up to it (a kill cut the deletes short), then
 * the mark.
 *
 * Chunks are written from and read into the plane's own buffer (zarrita's set/get copied
 * every plane once more); the metadata is what zarrita and zarr-python read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bytesPerElement, isDtype, type Dtype } from '../../protocol/index.js';
import { lockStore } from './spill-lock.js';
import type { PlaneShape } from './wire-pixels.js';

export const STORE_FORMAT = 'jupyterlab-pipeline-viewer layer store';
export const STORE_VERSION = 1;
/** Key of the server's own attributes in each plane's zarr.json. */
const ATTRIBUTES_KEY = 'pipeline_viewer';
/** A store of another version, or not a store: refused, nothing in it touched. */
export class StoreVersionError extends Error {
  override name = 'StoreVersionError';
}

/** A whole plane found at open: its pixels stay on disk until asked for. */
export interface StoredPlane {
  id: number;
  dtype: Dtype;
  shape: PlaneShape;
  byteLength: number;
  attributes: unknown;
}

export interface StoreContents {
  planes: StoredPlane[];
  /** One line per plane skipped (truncated chunk, bad metadata); each was removed. */
  problems: string[];
  /** Planes a killed server left without metadata (unfinished writes), removed. */
  unfinished: number;
  /** Planes a Clear had not finished deleting when its server was killed, removed. */
  cleared: number;
  /** The group's `pipeline_viewer` attributes (writeStoreAttributes); undefined if none. */
  attributes: unknown;
}

export interface OpenOptions {
  /** Start empty: the store's planes and version file are deleted first. */
  fresh?: boolean;
  /** How long to wait for a stopping server that still holds the store. */
  lockWaitMs?: number;
}

export class SpillStore {
  readonly dir: string;
  private ready: Promise<StoreContents> | null = null;
  private unlock: (() => void) | null = null;

  constructor(readonly storeDir: string) {
    this.dir = path.join(storeDir, 'planes.zarr');
  }

  /** Locks the store and lists its whole planes (`fresh`: empties it first). Once. */
  open(options: OpenOptions = {}): Promise<StoreContents> {
    this.ready ??= this.openStore(options);
    return this.ready;
  }

  private async openStore({ fresh = false, lockWaitMs = 0 }: OpenOptions): Promise<StoreContents> {
    await fs.promises.mkdir(this.storeDir, { recursive: true, mode: 0o700 });
    this.unlock = await lockStore(this.storeDir, lockWaitMs);
    try {
      const versionFile = path.join(this.storeDir, 'store.json');
      if (fresh) {
        await fs.promises.rm(this.dir, { recursive: true, force: true });
        await fs.promises.rm(versionFile, { force: true });
        await fs.promises.rm(this.clearedFile, { force: true });
      }
      if (!fs.existsSync(versionFile)) {
        if (fs.existsSync(this.dir))
          throw new StoreVersionError(
            `${this.dir} was left by a viewer server older than layer store version ${STORE_VERSION} (no ${versionFile}); it was left untouched. Move it away, start with --store OTHER_DIR, or with --fresh to delete it`
          );
        await fs.promises.mkdir(this.dir, { mode: 0o700 });
        await writeAtomic(path.join(this.dir, 'zarr.json'), groupMeta(undefined));
        await writeAtomic(versionFile, { format: STORE_FORMAT, version: STORE_VERSION });
        return { planes: [], problems: [], unfinished: 0, cleared: 0, attributes: undefined };
      }
      checkVersion(versionFile);
      return await this.list();
    } catch (err) {
      this.close();
      throw err;
    }
  }

  private async list(): Promise<StoreContents> {
    const contents: StoreContents = {
      planes: [],
      problems: [],
      unfinished: 0,
      cleared: 0,
      attributes: {}
    };
    contents.attributes = this.readStoreAttributes(contents.problems);
    const names = fs.existsSync(this.dir) ? await fs.promises.readdir(this.dir) : [];
    const ids = names.filter(n => /^p\d+$/.test(n)).map(n => Number(n.slice(1)));
    for (const name of names.filter(n => n.includes('.tmp-')))
      await fs.promises.rm(path.join(this.dir, name), { force: true });
    const clearedThrough = this.readCleared(contents.problems);
    // Synchronous reads: nothing else runs before the server is ready, and 1536 small files
    // were listed 2-4× faster so than through the thread pool, 32 at a time (load ~20).
    for (const id of ids) {
      if (id > clearedThrough) await this.load(id, contents);
      else {
        contents.cleared++;
        await this.delete(id);
      }
    }
    // Only now: planes numbered from 1 again after this start must not be taken for cleared.
    if (clearedThrough > 0) await fs.promises.rm(this.clearedFile, { force: true });
    contents.planes.sort((a, b) => a.id - b.id);
    return contents;
  }

  private get clearedFile(): string {
    return path.join(this.storeDir, 'cleared.json');
  }

  /**
   * Clear, made durable before any file is deleted: planes up to `throughId` (the highest id
   * handed out) are removed at the next open if a kill cuts their deletes short. Synchronous
   * and atomic, like the group attributes.
   */
  markCleared(throughId: number): void {
    const temp = `${this.clearedFile}.tmp-${process.pid}`;
    fs.writeFileSync(temp, JSON.stringify({ cleared_through_plane: throughId }), { mode: 0o600 });
    fs.renameSync(temp, this.clearedFile);
  }

  /** The highest plane id a Clear removed (0: none pending); unreadable is a problem line. */
  private readCleared(problems: string[]): number {
    let text: string;
    try {
      text = fs.readFileSync(this.clearedFile, 'utf8');
    } catch {
      return 0;
    }
    let through: unknown;
    try {
      through = (JSON.parse(text) as { cleared_through_plane?: unknown } | null)
        ?.cleared_through_plane;
    } catch {
      // not JSON: reported below
    }
    if (Number.isInteger(through) && (through as number) >= 0) return through as number;
    problems.push(
      `${this.clearedFile} names no plane id (cleared_through_plane); the planes of an unfinished Clear may come back: Clear again`
    );
    return 0;
  }

  private async load(id: number, contents: StoreContents): Promise<void> {
    const meta = this.metaPath(id);
    let text: string;
    try {
      text = fs.readFileSync(meta, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      contents.unfinished++;
      await fs.promises.rm(path.join(this.dir, `p${id}`), { recursive: true, force: true });
      return;
    }
    const skip = async (why: string) => {
      contents.problems.push(`plane p${id}: ${why}; skipped and removed`);
      await this.delete(id);
    };
    const plane = readArrayMeta(id, text);
    if (typeof plane === 'string') return skip(plane);
    let size: number;
    try {
      size = fs.statSync(this.chunkPath(id)).size;
    } catch {
      return skip(`its chunk ${this.chunkPath(id)} is missing`);
    }
    if (size !== plane.byteLength)
      return skip(`its chunk holds ${size} bytes, ${plane.byteLength} expected (truncated)`);
    contents.planes.push(plane);
  }

  /** Writes the plane's chunk, then its metadata with `attributes` (atomically). */
  async write(
    id: number,
    dtype: Dtype,
    shape: PlaneShape,
    bytes: Uint8Array,
    attributes?: unknown
  ): Promise<void> {
    await this.open();
    const chunk = this.chunkPath(id);
    await fs.promises.mkdir(path.dirname(chunk), { recursive: true });
    await fs.promises.writeFile(chunk, bytes);
    await this.writeAttributes(id, dtype, shape, attributes);
  }

  /**
   * Replaces the group's `pipeline_viewer` attributes (atomically; synchronous: small, and
   * on disk before the request that changed them is answered).
   */
  writeStoreAttributes(attributes: unknown): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = path.join(this.dir, 'zarr.json');
    const temp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(temp, JSON.stringify(groupMeta(attributes)), { mode: 0o600 });
    fs.renameSync(temp, file);
  }

  /** The group's attributes; undefined when there are none, or unreadable (a problem line). */
  private readStoreAttributes(problems: string[]): unknown {
    const file = path.join(this.dir, 'zarr.json');
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return undefined; // no group yet ('server clear' removed it): nothing to restore
    }
    try {
      const meta = JSON.parse(text) as { attributes?: Record<string, unknown> };
      return meta?.attributes?.[ATTRIBUTES_KEY];
    } catch {
      problems.push(`${file} is not JSON; what it named (plates opened from disk) is not restored`);
      return undefined;
    }
  }

  /** Replaces the metadata of a written plane (its layer was renamed), atomically. */
  async writeAttributes(
    id: number,
    dtype: Dtype,
    shape: PlaneShape,
    attributes: unknown
  ): Promise<void> {
    await writeAtomic(this.metaPath(id), arrayMeta(dtype, shape, attributes));
  }

  /** The plane's `byteLength` bytes, read into a buffer from `alloc`. */
  async read(
    id: number,
    byteLength: number,
    alloc: (nbytes: number) => Uint8Array = n => new Uint8Array(n)
  ): Promise<Uint8Array> {
    await this.open();
    const file = await fs.promises.open(this.chunkPath(id), 'r');
    try {
      const { size } = await file.stat();
      if (size !== byteLength)
        throw new Error(`spilled plane p${id} holds ${size} bytes on disk, expected ${byteLength}`);
      const out = alloc(byteLength);
      for (let read = 0; read < byteLength;) {
        const { bytesRead } = await file.read(out, read, byteLength - read, read);
        if (bytesRead === 0) throw new Error(`spilled plane p${id} ended early at ${read} bytes`);
        read += bytesRead;
      }
      return out;
    } finally {
      await file.close();
    }
  }

  private chunkPath(id: number): string {
    return path.join(this.dir, `p${id}`, 'c', '0', '0');
  }

  private metaPath(id: number): string {
    return path.join(this.dir, `p${id}`, 'zarr.json');
  }

  /** Metadata first: a delete cut short leaves an unfinished plane, never a wrong one. */
  async delete(id: number): Promise<void> {
    await fs.promises.rm(this.metaPath(id), { force: true });
    await fs.promises.rm(path.join(this.dir, `p${id}`), { recursive: true, force: true });
  }

  /** Lets another server use the store (what is written stays). */
  close(): void {
    this.unlock?.();
    this.unlock = null;
  }

  /** Removes the planes folder, only if this process opened it (tests, throw-away stores). */
  async destroy(): Promise<void> {
    if (this.ready === null) return;
    await this.ready.catch(() => undefined);
    await fs.promises.rm(this.dir, { recursive: true, force: true });
    await fs.promises.rm(path.join(this.storeDir, 'store.json'), { force: true });
    this.close();
  }
}

function checkVersion(file: string): void {
  let found: { format?: unknown; version?: unknown } = {};
  try {
    found = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof found;
  } catch {
    // not JSON: named below as not a store of ours
  }
  if (found?.format === STORE_FORMAT && found.version === STORE_VERSION) return;
  const what =
    found?.format === STORE_FORMAT
      ? `layer store version ${JSON.stringify(found.version)}, this server reads version ${STORE_VERSION}`
      : `not a ${STORE_FORMAT} (${file} is not one of ours)`;
  throw new StoreVersionError(
    `${path.dirname(file)} is ${what}; it was left untouched. Use the viewer version that wrote it, start with --store OTHER_DIR, or with --fresh to delete it`
  );
}

function groupMeta(attributes: unknown): object {
  return {
    zarr_format: 3,
    node_type: 'group',
    attributes: attributes === undefined ? {} : { [ATTRIBUTES_KEY]: attributes }
  };
}

function arrayMeta(dtype: Dtype, shape: PlaneShape, attributes: unknown): object {
  return {
    zarr_format: 3,
    node_type: 'array',
    shape: [...shape],
    data_type: dtype,
    chunk_grid: { name: 'regular', configuration: { chunk_shape: [...shape] } },
    chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
    fill_value: 0,
    // Uncompressed little-endian bytes: writing must be cheap, and zarr v3 needs one
    // array→bytes codec for other readers (zarr-python, zarrita) to open the store.
    codecs: [{ name: 'bytes', configuration: { endian: 'little' } }],
    attributes: attributes === undefined ? {} : { [ATTRIBUTES_KEY]: attributes }
  };
}

/** The plane a zarr.json describes, or why it is not one of ours. */
function readArrayMeta(id: number, text: string): StoredPlane | string {
  let meta: { shape?: unknown; data_type?: unknown; attributes?: Record<string, unknown> };
  try {
    meta = JSON.parse(text) as typeof meta;
  } catch {
    return 'its zarr.json is not JSON';
  }
  const shape = meta?.shape;
  const dims =
    Array.isArray(shape) && shape.length === 2 && shape.every(n => Number.isInteger(n) && n > 0);
  if (!dims || !isDtype(meta.data_type))
    return `its zarr.json has no 2-D shape and known data_type`;
  const [h, w] = shape as PlaneShape;
  return {
    id,
    dtype: meta.data_type,
    shape: [h, w],
    byteLength: h * w * bytesPerElement(meta.data_type),
    attributes: meta.attributes?.[ATTRIBUTES_KEY]
  };
}

/** temp + rename: a reader sees the old file or the whole new one, never a part. */
async function writeAtomic(file: string, value: object): Promise<void> {
  const temp = `${file}.tmp-${process.pid}`;
  await fs.promises.writeFile(temp, JSON.stringify(value), { mode: 0o600 });
  await fs.promises.rename(temp, file);
}
