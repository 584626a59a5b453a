/**
 * zarrita's FileSystemStore, except that `set` writes to a temporary file in the same folder and
 * renames it over the key: a chunk or metadata file is either the old or the new one, never half.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import FileSystemStore from '@zarrita/storage/fs';
import type { AbsolutePath } from '@zarrita/storage';

export class AtomicFileSystemStore extends FileSystemStore {
  override async set(key: AbsolutePath, value: Uint8Array): Promise<void> {
    const file = path.join(this.root, key.replace(/^\/+/, ''));
    await mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await writeFile(temp, value);
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}
