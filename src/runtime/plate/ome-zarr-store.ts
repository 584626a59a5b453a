/**
 * The file store the OME-Zarr plate reader reads through: zarrita's FileSystemStore with
 * whole files read synchronously. A plate grid reads hundreds of small chunks (a 384-well
 * plate at its 128² level: 1,536 files of ~20 KiB); `fs.promises.readFile` spends open, fstat,
 * read and close each on the thread pool, which profiled as 0.74 s of 1,536 reads against a
 * few ms of copying (issue 17, open speed). The reader runs in its own process (the plate
 * source) or between pipeline steps, where a blocked millisecond costs nobody.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import FileSystemStore from '@zarrita/storage/fs';

type StoreKey = Parameters<FileSystemStore['get']>[0];

export class SyncFileStore extends FileSystemStore {
  override get(key: StoreKey): Promise<Uint8Array | undefined> {
    // zarrita's keys are absolute within the store ('/A/1/0/4/0/0/0/0/0')
    const file = path.join(this.root, key.slice(1));
    try {
      const buffer = readFileSync(file);
      return Promise.resolve(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Promise.resolve(undefined);
      return Promise.reject(err as Error);
    }
  }
}
