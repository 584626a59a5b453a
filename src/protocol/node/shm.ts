/**
 * POSIX shared-memory segments as files under /dev/shm (Linux), shared by producer and
 * server. Names are validated against SHM_NAME_PATTERN before any file is touched, so a
 * header field can never point outside the shared-memory directory.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isShmName, SHM_PREFIX } from '../shm.js';

/** Directory of POSIX shared memory; overridable for platforms without /dev/shm. */
export const SHM_DIR = process.env.PIPELINE_VIEWER_SHM_DIR ?? '/dev/shm';

export class SharedMemoryError extends Error {
  override name = 'SharedMemoryError';
}

/** Path of segment `name`; throws for a name outside the naming rule. */
export function segmentPath(name: string): string {
  if (!isShmName(name)) {
    throw new SharedMemoryError(
      `refusing shared-memory name ${JSON.stringify(name)}: it must match plv_<hex>`
    );
  }
  return path.join(SHM_DIR, name);
}

export function newSegmentName(): string {
  return SHM_PREFIX + randomBytes(16).toString('hex');
}

/** Create a segment holding exactly `bytes` (owner-only permissions) and return its name. */
export function writeSegment(bytes: ArrayBufferView): string {
  const name = newSegmentName();
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fd = fs.openSync(segmentPath(name), 'wx', 0o600);
  try {
    let written = 0;
    while (written < view.byteLength) {
      written += fs.writeSync(fd, view, written, view.byteLength - written, written);
    }
  } catch (err) {
    fs.closeSync(fd);
    unlinkSegment(name);
    throw err;
  }
  fs.closeSync(fd);
  return name;
}

/** An uninitialised buffer: the copy overwrites every byte, so zero-filling would be waste. */
function allocUninitialised(nbytes: number): Uint8Array {
  const out = Buffer.allocUnsafeSlow(nbytes);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Copy a segment out into a buffer from `alloc` (the server passes a pool that reuses the
 * buffers of replaced planes); its size must be exactly `nbytes`. Does not unlink.
 */
export function readSegment(
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
      `shared-memory segment ${name} cannot be opened: ${(err as Error).message}`
    );
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size !== nbytes) {
      throw new SharedMemoryError(
        `shared-memory segment ${name} holds ${size} bytes, the header says ${nbytes}`
      );
    }
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

/** Unlink a segment; returns false when it was already gone. Invalid names throw. */
export function unlinkSegment(name: string): boolean {
  try {
    fs.unlinkSync(segmentPath(name));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Names of our segments currently present (tests count these before and after). */
export function listSegments(): string[] {
  try {
    return fs.readdirSync(SHM_DIR).filter(n => n.startsWith(SHM_PREFIX) && isShmName(n));
  } catch {
    return [];
  }
}
