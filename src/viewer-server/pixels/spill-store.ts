/**
 * On-disk zarr (v3) store for planes that do not fit the memory budget: one 2-D array per
 * plane (`p<id>`, one chunk), under `<store dir>/planes.zarr`. The server owns that folder
 * alone: it is emptied at start and removed at shutdown; nothing else under the store dir
 * is touched, and no name in it comes from a message.
 *
 * zarrita writes each array's metadata; the one chunk (`p<id>/c/0/0`, raw little-endian
 * bytes, as the metadata declares) is written from and read into the plane's own buffer:
 * zarrita's set/get copied every spilled or paged-in plane once more, garbage the size of
 * the planes that kept the server's memory above its budget.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import FileSystemStore from '@zarrita/storage/fs';
import * as zarr from 'zarrita';
import type { Dtype } from '../../protocol/index.js';
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
    await zarr.create(this.root.resolve(`p${id}`), {
      shape: [...shape],
      chunkShape: [...shape],
      dtype,
      // Uncompressed little-endian bytes: spilling must be cheap, and zarr v3 needs one
      // array→bytes codec for other readers (zarr-python) to open the store.
      codecs: [{ name: 'bytes', configuration: { endian: 'little' } }]
    });
    const chunk = this.chunkPath(id);
    await fs.promises.mkdir(path.dirname(chunk), { recursive: true });
    await fs.promises.writeFile(chunk, bytes);
  }

  /** The plane's `byteLength` bytes, read into a buffer from `alloc`. */
  async read(
    id: number,
    byteLength: number,
    alloc: (nbytes: number) => Uint8Array = n => new Uint8Array(n)
  ): Promise<Uint8Array> {
    await this.init();
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
