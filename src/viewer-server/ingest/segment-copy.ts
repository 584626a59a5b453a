/**
 * Unlink shared-memory segments off the main thread (the copy itself is protocol/node's
 * readSegment into a pooled buffer). An unlink frees the segment's pages (~3 ms for 8 MiB
 * on tmpfs), so it runs on libuv's thread pool, the segments of one message in parallel,
 * while the main thread goes on storing. The reply waits for the unlinks, so a
 * producer that sweeps its segments after the reply finds them gone (a cheap ENOENT on its
 * own thread). Names are checked against SHM_NAME_PATTERN before any file is touched.
 */
import * as fs from 'node:fs';
import { segmentPath } from '../../protocol/node/index.js';

const pending = new Set<Promise<void>>();

/** Unlink on the thread pool; never rejects (a segment already gone is fine). */
export function unlinkSegmentAsync(
  name: string,
  log: (line: string) => void = () => {}
): Promise<void> {
  const done: Promise<void> = fs.promises
    .unlink(segmentPath(name))
    .catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') log(`shm: unlink ${name} failed: ${err.message}`);
    })
    .finally(() => pending.delete(done));
  pending.add(done);
  return done;
}

export async function unlinksSettled(): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending]);
}
