/**
 * Copy a shared-memory segment out and unlink it, fast: the copy goes into an uninitialised
 * or reused buffer (no zero-fill of 8 MiB per frame) and the unlink, which frees the
 * segment's pages (~3 ms for 8 MiB on tmpfs), runs on libuv's thread pool, the segments of one message in
 * parallel, while the main thread goes on storing. The reply waits for the unlinks, so a
 * producer that sweeps its segments after the reply finds them gone (a cheap ENOENT on its
 * own thread). Names are checked against SHM_NAME_PATTERN before any file is touched.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isShmName } from '../protocol/index.js';
import { SHM_DIR, SharedMemoryError } from '../protocol/node/index.js';

function segmentPath(name: string): string {
  if (!isShmName(name))
    throw new SharedMemoryError(`refusing shared-memory name ${JSON.stringify(name)}`);
  return path.join(SHM_DIR, name);
}

function allocUninitialised(nbytes: number): Uint8Array {
  const out = Buffer.allocUnsafeSlow(nbytes);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Copy exactly `nbytes` out of segment `name` into a buffer from `alloc` (a PlaneBufferPool
 * reuses the buffers of replaced planes); throws SharedMemoryError on a size mismatch.
 */
export function copySegment(
  name: string,
  nbytes: number,
  alloc: (nbytes: number) => Uint8Array = allocUninitialised
): Uint8Array {
  const file = segmentPath(name);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw new SharedMemoryError(
      `shared-memory segment ${name} cannot be opened: ${(err as NodeJS.ErrnoException).code ?? err}`
    );
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size !== nbytes)
      throw new SharedMemoryError(
        `shared-memory segment ${name} holds ${size} bytes, the header says ${nbytes}`
      );
    const out = alloc(nbytes);
    let read = 0;
    while (read < nbytes) {
      const n = fs.readSync(fd, out, read, nbytes - read, read);
      if (n === 0)
        throw new SharedMemoryError(`shared-memory segment ${name} ended early at ${read} bytes`);
      read += n;
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

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
