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

/**
 * Why a named segment was not copied out. The server counts refusals by reason: anything
 * but `missing`, `size` or `over-budget` means a file our producers never write was
 * planted under a segment name (/dev/shm is world-writable).
 */
export type SegmentRefusal =
  | 'bad-name'
  | 'missing'
  | 'symlink'
  | 'not-regular'
  | 'foreign-owner'
  | 'linked'
  | 'size'
  | 'short-read'
  | 'over-budget'
  | 'unreadable';

export class SharedMemoryError extends Error {
  override name = 'SharedMemoryError';
  constructor(
    message: string,
    readonly reason: SegmentRefusal = 'unreadable'
  ) {
    super(message);
  }
}

/** Path of segment `name`; throws for a name outside the naming rule. */
export function segmentPath(name: string): string {
  if (!isShmName(name)) {
    throw new SharedMemoryError(
      `refusing shared-memory name ${JSON.stringify(name)}: it must match plv_<hex>`,
      'bad-name'
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
 * Never follow a symlink (it could name any file we can read), never wait on a FIFO (a
 * blocking open stalls the whole event loop until someone writes).
 */
const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

/**
 * Why `stat` is not a segment our own producer could have written for `nbytes`, or null.
 * A segment is a regular file owned by this process's user with a single name; a hard
 * link or another user's file would let whoever planted it make us read or serve it.
 */
export function segmentProblem(
  name: string,
  stat: fs.Stats,
  nbytes?: number
): SharedMemoryError | null {
  const uid = process.getuid?.();
  if (!stat.isFile())
    return new SharedMemoryError(
      `shared-memory segment ${name} is not a regular file (a FIFO, socket or device planted under that name?); producers create segments as regular files`,
      'not-regular'
    );
  if (uid !== undefined && stat.uid !== uid)
    return new SharedMemoryError(
      `shared-memory segment ${name} is owned by uid ${stat.uid}, not by this server's uid ${uid}; run the producer as the same user as the viewer`,
      'foreign-owner'
    );
  if (stat.nlink !== 1)
    return new SharedMemoryError(
      `shared-memory segment ${name} has ${stat.nlink} names (a hard link to another file?); a segment has exactly one`,
      'linked'
    );
  if (nbytes !== undefined && stat.size !== nbytes)
    return new SharedMemoryError(
      `shared-memory segment ${name} holds ${stat.size} bytes, the header says ${nbytes}; shape and dtype must match the segment`,
      'size'
    );
  return null;
}

function openSegment(name: string): number {
  try {
    return fs.openSync(segmentPath(name), OPEN_FLAGS);
  } catch (err) {
    if (err instanceof SharedMemoryError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP')
      throw new SharedMemoryError(
        `shared-memory segment ${name} is a symbolic link; refusing to follow it (segments are regular files)`,
        'symlink'
      );
    throw new SharedMemoryError(
      `shared-memory segment ${name} cannot be opened: ${(err as Error).message}`,
      code === 'ENOENT' ? 'missing' : 'unreadable'
    );
  }
}

/**
 * Copy a segment out into a buffer from `alloc` (the server passes a pool that reuses the
 * buffers of replaced planes); it must be one of our own segments (segmentProblem) of
 * exactly `nbytes`, checked on the open descriptor before anything is allocated. Does not
 * unlink. Throws SharedMemoryError with the reason.
 */
export function readSegment(
  name: string,
  nbytes: number,
  alloc: (nbytes: number) => Uint8Array = allocUninitialised
): Uint8Array {
  const fd = openSegment(name);
  try {
    const problem = segmentProblem(name, fs.fstatSync(fd), nbytes);
    if (problem) throw problem;
    const out = alloc(nbytes);
    let read = 0;
    while (read < nbytes) {
      const n = fs.readSync(fd, out, read, nbytes - read, read);
      if (n === 0)
        throw new SharedMemoryError(
          `shared-memory segment ${name} ended early at ${read} bytes`,
          'short-read'
        );
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
