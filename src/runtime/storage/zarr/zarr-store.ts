/**
 * One plate store on disk as the zarr backend sees it: its dialect (NGFF 0.4 / zarr v2 or 0.5 /
 * zarr v3), the metadata of its fields kept between saves, and plane chunks read and written as
 * plain files (a chunk is exactly the plane's bytes, so no codec and no copy is needed).
 *
 * Keeping a field's array metadata and attributes in memory spares two metadata reads and a
 * re-parse per plane. They are trusted only while the attributes file is the one this process
 * last wrote or read (same inode, size and mtime: one stat per save or load), so a store changed
 * by another FileManager or deleted in between is read afresh.
 */
import { readdir, stat, open } from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { typedArrayCtor, type TypedArray } from '../../../protocol/index.js';
import type { NdArray } from '../../model/image-data.js';
import { writeFileAtomic } from '../atomic-write.js';
import { readWholeFile } from '../read-file.js';
import { StorageError } from '../storage-error.js';
import { detectDialect, type ArrayMeta, type ZarrDialect } from './zarr-dialect.js';
import { NAMES_KEY, emptyFieldAttrs, type FieldAttrs } from './ome-zarr-layout.js';

export interface FieldState {
  /** `A/01/0` */
  dir: string;
  meta: ArrayMeta;
  attrs: FieldAttrs;
  stamp: string;
}

export class ZarrStore {
  private readonly fields = new Map<string, FieldState>();

  constructor(
    readonly root: string,
    readonly dialect: ZarrDialect
  ) {}

  /** The store at `root` as found on disk, or null when there is none yet. */
  static async open(root: string): Promise<ZarrStore | null> {
    const files = await readdir(root).catch(() => [] as string[]);
    const dialect = detectDialect(files);
    return dialect && new ZarrStore(root, dialect);
  }

  /**
   * A field's metadata, from memory when its attributes file is unchanged, else from disk;
   * null when the field does not exist. `changed` is set when memory had to be dropped.
   */
  async field(dir: string): Promise<FieldState | null> {
    const stamp = await this.stamp(this.dialect.attrsKey(dir));
    const known = this.fields.get(dir);
    if (known && known.stamp === stamp) return known;
    this.fields.delete(dir);
    if (stamp === null) return null;
    const meta = await this.readMeta(dir);
    if (!meta) return null;
    const attrs = ((await this.readGroup(dir)) ??
      emptyFieldAttrs(dir, this.dialect.ngff)) as unknown as FieldAttrs;
    attrs[NAMES_KEY] ??= { names: {} };
    const state = { dir, meta, attrs, stamp };
    this.fields.set(dir, state);
    return state;
  }

  /** Forgets what is kept of a field (after a failed write: memory may be ahead of disk). */
  forget(dir: string): void {
    this.fields.delete(dir);
  }

  async writeMeta(dir: string, meta: ArrayMeta): Promise<void> {
    await this.writeJson(this.dialect.arrayKey(`${dir}/0`), this.dialect.arrayJson(meta));
  }

  /** Writes the field's attributes and remembers them as the current state. */
  async writeFieldAttrs(state: Omit<FieldState, 'stamp'>): Promise<void> {
    await this.writeAttrs(state.dir, state.attrs);
    const stamp = await this.stamp(this.dialect.attrsKey(state.dir));
    this.fields.set(state.dir, { ...state, stamp: stamp ?? '' });
  }

  /** Makes `group` a group (its marker file) unless it is one: v3 keeps attributes there. */
  async ensureGroup(group: string): Promise<void> {
    const [key, json] = this.dialect.groupMarker(group);
    if ((await this.stamp(key)) === null) await this.writeJson(key, json);
  }

  async writeAttrs(group: string, attrs: object): Promise<void> {
    const [key, json] = this.dialect.attrsFile(group, attrs);
    await this.writeJson(key, json);
  }

  /** A group's attributes (NGFF 0.4-shaped), or null when it has none. */
  async readGroup(group: string): Promise<Record<string, unknown> | null> {
    const json = await this.readJson(this.dialect.attrsKey(group));
    return json && this.dialect.readAttrs(json);
  }

  async writePlane(dir: string, t: number, c: number, z: number, plane: TypedArray): Promise<void> {
    // Chunks are declared little-endian and written as the array's own bytes.
    if (os.endianness() !== 'LE') throw new Error('the zarr backend needs a little-endian machine');
    const bytes = new Uint8Array(plane.buffer, plane.byteOffset, plane.byteLength);
    await writeFileAtomic(this.file(this.dialect.chunkKey(`${dir}/0`, t, c, z)), [bytes]);
  }

  /** Planes z…z+depth−1 of (t, c) as one array [depth, y, x] (or [y, x] for one plane). */
  async readPlanes(
    field: FieldState,
    t: number,
    c: number,
    z: number,
    depth: number
  ): Promise<NdArray> {
    const { dtype, shape } = field.meta;
    const [ny, nx] = shape.slice(3);
    const Ctor = typedArrayCtor(dtype);
    const planeBytes = ny * nx * Ctor.BYTES_PER_ELEMENT;
    const chunk = (k: number) => this.file(this.dialect.chunkKey(`${field.dir}/0`, t, c, z + k));
    const damaged = (k: number, what: string) =>
      new StorageError(
        'zarr',
        chunk(k),
        `${what}, expected ${planeBytes} bytes; the store is damaged`
      );
    if (depth === 1) {
      // The file's own buffer becomes the array: no copy.
      const bytes = await readWholeFile(chunk(0)).catch(() => null);
      if (!bytes) throw damaged(0, 'chunk missing');
      if (bytes.length !== planeBytes || bytes.byteOffset % Ctor.BYTES_PER_ELEMENT !== 0)
        throw damaged(0, `chunk is ${bytes.length} bytes`);
      return { data: new Ctor(bytes.buffer, bytes.byteOffset, ny * nx), shape: [ny, nx], dtype };
    }
    const data = new Ctor(depth * ny * nx);
    const into = new Uint8Array(data.buffer);
    for (let k = 0; k < depth; k++) {
      const file = await open(chunk(k), 'r').catch(() => null);
      if (!file) throw damaged(k, 'chunk missing');
      try {
        const { bytesRead } = await file.read(into, k * planeBytes, planeBytes, 0);
        if (bytesRead !== planeBytes) throw damaged(k, `chunk is ${bytesRead} bytes`);
      } finally {
        await file.close();
      }
    }
    return { data, shape: [depth, ny, nx], dtype };
  }

  async readMeta(dir: string): Promise<ArrayMeta | null> {
    const json = await this.readJson(this.dialect.arrayKey(`${dir}/0`));
    return json && this.dialect.readArray(json);
  }

  async readJson(key: string): Promise<Record<string, unknown> | null> {
    const bytes = await readWholeFile(this.file(key)).catch(() => null);
    if (!bytes) return null;
    try {
      return JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    } catch (cause) {
      throw new StorageError(
        'zarr',
        this.file(key),
        'metadata file is not valid JSON; the store is damaged',
        { cause }
      );
    }
  }

  async writeJson(key: string, value: unknown): Promise<void> {
    await writeFileAtomic(this.file(key), [Buffer.from(JSON.stringify(value, null, 2))]);
  }

  file(key: string): string {
    return path.join(this.root, key);
  }

  private async stamp(key: string): Promise<string | null> {
    const info = await stat(this.file(key)).catch(() => null);
    return info && `${info.ino}:${info.size}:${info.mtimeMs}`;
  }
}
