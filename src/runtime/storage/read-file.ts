/**
 * Reads a whole file for the disk and zarr backends. Files up to SYNC_READ_LIMIT are read with
 * synchronous system calls: a plane's open, fstat, read and close then cost no thread-pool
 * round trips, which on the busy 2-core machine took longer than the reading itself (see
 * SYNC_WRITE_LIMIT in atomic-write.ts). Larger files are read through the pool.
 * The buffer is the file's alone (not pooled), so callers may view pixels inside it.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export const SYNC_READ_LIMIT = 4 * 1024 * 1024;

export async function readWholeFile(file: string): Promise<Buffer> {
  const fd = openSync(file, 'r');
  try {
    const info = fstatSync(fd);
    if (info.isDirectory()) {
      throw Object.assign(new Error(`EISDIR: is a directory, read '${file}'`), { code: 'EISDIR' });
    }
    if (info.size <= SYNC_READ_LIMIT) {
      const bytes = Buffer.allocUnsafeSlow(info.size);
      let at = 0;
      for (let n = -1; at < info.size && n !== 0; at += n) {
        n = readSync(fd, bytes, at, info.size - at, at);
      }
      return at === info.size ? bytes : bytes.subarray(0, at);
    }
  } finally {
    closeSync(fd);
  }
  return readFile(file);
}
