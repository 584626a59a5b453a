/**
 * Atomic file replacement for the disk and zarr backends: the content goes to a temporary name
 * in the target's folder (same file system, so the rename cannot fail half-way) and is renamed
 * over the target, so a reader sees the old file or the new one, never part of one; a failed
 * write removes its temporary file. Temporary names start with TEMP_MARK so listings skip them.
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writevSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export const TEMP_MARK = '.partial-';

/**
 * Files up to this size are written with synchronous system calls. Measured on the 2-core
 * machine under load: a 512 KiB atomic write took 0.3 ms that way and 1.0 ms through the
 * thread pool (open, write, close and rename each wait for a pool thread and a core). Larger
 * files go through the pool, so the event loop keeps running while their bytes are copied.
 */
export const SYNC_WRITE_LIMIT = 4 * 1024 * 1024;

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
  if (chunks.reduce((n, c) => n + c.length, 0) <= SYNC_WRITE_LIMIT) {
    writeFileAtomicSync(target, chunks);
    return;
  }
  await replaceAtomically(target, async temp => {
    const file = await open(temp, 'wx').catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
      await mkdir(path.dirname(temp), { recursive: true });
      return open(temp, 'wx');
    });
    try {
      for (let left = rest(chunks, 0); left.length > 0;) {
        left = rest(left, (await file.writev(left)).bytesWritten);
      }
    } finally {
      await file.close();
    }
  });
}

/** writeFileAtomic for small files, in synchronous calls (see SYNC_WRITE_LIMIT). */
function writeFileAtomicSync(target: string, chunks: readonly Uint8Array[]): void {
  const temp = tempPathFor(target);
  try {
    let fd: number;
    try {
      fd = openSync(temp, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      mkdirSync(path.dirname(temp), { recursive: true });
      fd = openSync(temp, 'wx');
    }
    try {
      for (let left = rest(chunks, 0); left.length > 0;) left = rest(left, writevSync(fd, left));
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * What is left of `chunks` once `written` bytes of them are on disk: writev may write less
 * than asked (one call stops near 2 GiB), so writing goes on from there.
 */
function rest(chunks: readonly Uint8Array[], written: number): Uint8Array[] {
  const left: Uint8Array[] = [];
  for (const chunk of chunks) {
    if (written >= chunk.length) written -= chunk.length;
    else {
      left.push(written > 0 ? chunk.subarray(written) : chunk);
      written = 0;
    }
  }
  return left;
}
