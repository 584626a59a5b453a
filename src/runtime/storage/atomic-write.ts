/**
 * Atomic file replacement for the disk and zarr backends: the content goes to a temporary name
 * in the target's folder (same file system, so the rename cannot fail half-way) and is renamed
 * over the target, so a reader sees the old file or the new one, never part of one; a failed
 * write removes its temporary file. Temporary names start with TEMP_MARK so listings skip them.
 */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export const TEMP_MARK = '.partial-';

// pid + a per-process salt + a counter: unique without asking the OS for randomness per file.
const salt = randomBytes(3).toString('hex');
let counter = 0;

/** A temporary name next to `target`. */
export function tempPathFor(target: string): string {
  const id = `${process.pid}-${salt}${(counter++).toString(36)}`;
  return path.join(path.dirname(target), `${TEMP_MARK}${id}-${path.basename(target)}`);
}

/** Runs `write(temp)` and renames temp over `target`; removes temp if either step fails. */
export async function replaceAtomically(
  target: string,
  write: (temp: string) => Promise<void>
): Promise<void> {
  const temp = tempPathFor(target);
  try {
    await write(temp);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Writes `chunks` one after the other as the new content of `target`, atomically. Missing
 * folders are created (only when the first open says so: one system call less per file).
 */
export async function writeFileAtomic(
  target: string,
  chunks: readonly Uint8Array[]
): Promise<void> {
  await replaceAtomically(target, async temp => {
    const file = await open(temp, 'wx').catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
      await mkdir(path.dirname(temp), { recursive: true });
      return open(temp, 'wx');
    });
    try {
      let pending = chunks.filter(c => c.length > 0);
      while (pending.length > 0) {
        // writev may write less than asked (a single call stops near 2 GiB): go on from there.
        let { bytesWritten } = await file.writev(pending);
        while (pending.length > 0 && bytesWritten >= pending[0].length) {
          bytesWritten -= pending[0].length;
          pending = pending.slice(1);
        }
        if (bytesWritten > 0) pending = [pending[0].subarray(bytesWritten), ...pending.slice(1)];
      }
    } finally {
      await file.close();
    }
  });
}
