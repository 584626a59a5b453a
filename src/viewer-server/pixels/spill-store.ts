/**
 * On-disk zarr (v3) store for planes that do not fit the memory budget: one 2-D array per
 * plane (`p<id>`, one chunk), under `<store dir>/planes.zarr`. The server owns that folder
 * alone: it is emptied at start and removed at shutdown; nothing else under the store dir
 * is touched, and no name in it comes from a message.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import FileSystemStore from '@zarrita/storage/fs';
import * as zarr from 'zarrita';
import { viewAs, type Dtype } from '../../protocol/index.js';
import type { PlaneShape } from './wire-pixels.js';

export class SpillStore {
  readonly dir: string;
  private readonly root: zarr.Location<FileSystemStore>;
  private ready: Promise<unknown> | null = null;

  constructor(storeDir: string) {
    this.dir = path.join(storeDir, 'planes.zarr');
    this.root = zarr.root(new FileSystemStore(this.dir));
  }

  private init(): Promise<unknown> {
    this.ready ??= (async () => {
      await fs.promises.rm(this.dir, { recursive: true, force: true });
      await fs.promises.mkdir(this.dir, { recursive: true });
      await zarr.create(this.root);
    })();
    return this.ready;
  }

  async write(id: number, dtype: Dtype, shape: PlaneShape, bytes: Uint8Array): Promise<void> {
    await this.init();
    const array = await zarr.create(this.root.resolve(`p${id}`), {
      shape: [...shape],
      chunkShape: [...shape],
      dtype,
      // Uncompressed little-endian bytes: spilling must be cheap, and zarr v3 needs one
      // array→bytes codec for other readers (zarr-python) to open the store.
      codecs: [{ name: 'bytes', configuration: { endian: 'little' } }]
    });
    const data = viewAs(dtype, bytes);
    await zarr.set(array, [null, null], {
      data,
      shape: [...shape],
      stride: [shape[1], 1]
    } as never);
  }

  async read(id: number): Promise<Uint8Array> {
    await this.init();
    const array = await zarr.open.v3(this.root.resolve(`p${id}`), { kind: 'array' });
    const chunk = await zarr.get(array);
    const data = chunk.data as ArrayBufferView;
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }

  async delete(id: number): Promise<void> {
    await fs.promises.rm(path.join(this.dir, `p${id}`), { recursive: true, force: true });
  }

  /** Remove the spill folder, only if this process created it (a loser of the port race must not). */
  async destroy(): Promise<void> {
    if (this.ready === null) return;
    await this.ready.catch(() => undefined);
    await fs.promises.rm(this.dir, { recursive: true, force: true });
  }
}
