/**
 * Unlink shared-memory segments off the main thread (the copy itself is protocol/node's
 * readSegment into a pooled buffer). An unlink frees the segment's pages (~3 ms for 8 MiB
 * on tmpfs), so it runs on libuv's thread pool, the segments of one message in parallel,
 * while the main thread goes on storing. The reply waits for the unlinks, so a
 * producer that sweeps its segments after the reply finds them gone (a cheap ENOENT on its
 * own thread). Names are checked against SHM_NAME_PATTERN before any file is touched.
 *
 * Only our own segments are unlinked: a regular file of this user with one name (the
 * rule readSegment applies). A symlink, FIFO, hard link or another user's file planted
 * under a segment name is not ours to delete; it is left in place and logged. In the
 * sticky /dev/shm nobody else can swap a file of ours for another between the lstat and
 * the unlink.
 */
import * as fs from 'node:fs';
import { segmentPath, segmentProblem } from '../../protocol/node/index.js';

const pending = new Set<Promise<void>>();

async function unlinkOwn(name: string, log: (line: string) => void): Promise<void> {
  try {
    const file = segmentPath(name);
    const stat = await fs.promises.lstat(file);
    const problem = stat.isSymbolicLink()
      ? `${name} is a symbolic link`
      : segmentProblem(name, stat)?.message;
    if (problem !== undefined) {
      log(`shm: left ${file} in place, not a segment of ours: ${problem}`);
      return;
    }
    await fs.promises.unlink(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code !== 'ENOENT') log(`shm: unlink ${name} failed: ${e.message}`);
  }
}

/** Unlink on the thread pool; never rejects (a segment already gone is fine). */
export function unlinkSegmentAsync(
  name: string,
  log: (line: string) => void = () => {}
): Promise<void> {
  const done: Promise<void> = unlinkOwn(name, log).finally(() => pending.delete(done));
  pending.add(done);
  return done;
}

export async function unlinksSettled(): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending]);
}
