/**
 * readSegment reads only a segment our own producer could have written, and says why not
 * with a distinct reason (the server counts refusals by it). Real files, in a private dir.
 */
// First: a private shared-memory dir for this file (SHM_DIR is read at import).
import { PRIVATE_SHM_DIR } from '../../../tests/streaming/private-shm.js';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { newSegmentName, readSegment, SharedMemoryError, SHM_DIR, writeSegment } from './shm.js';

afterAll(() => fs.rmSync(PRIVATE_SHM_DIR, { recursive: true, force: true }));

function reason(name: string, nbytes: number): string {
  let allocated = 0;
  try {
    readSegment(name, nbytes, n => {
      allocated += n;
      return new Uint8Array(n);
    });
  } catch (err) {
    if (!(err instanceof SharedMemoryError)) throw err;
    expect(allocated).toBe(0); // refused before anything was allocated
    return err.reason;
  }
  return 'read';
}

function planted(make: (file: string) => void): string {
  const name = newSegmentName();
  make(path.join(SHM_DIR, name));
  return name;
}

describe('readSegment', () => {
  it('reads our own segment of the declared size', () => {
    const name = writeSegment(new Uint8Array([1, 2, 3, 4]));
    expect(Array.from(readSegment(name, 4))).toEqual([1, 2, 3, 4]);
  });

  it('refuses everything else, each with its reason', () => {
    const secret = path.join(PRIVATE_SHM_DIR, 'secret');
    fs.writeFileSync(secret, new Uint8Array(4), { mode: 0o600 });
    const foreign = writeSegment(new Uint8Array(4));
    fs.chownSync(path.join(SHM_DIR, foreign), 65534, 65534);

    expect(
      reason(
        planted(f => fs.symlinkSync(secret, f)),
        4
      )
    ).toBe('symlink');
    expect(
      reason(
        planted(f => execFileSync('mkfifo', [f])),
        4
      )
    ).toBe('not-regular');
    expect(
      reason(
        planted(f => fs.mkdirSync(f)),
        4
      )
    ).toBe('not-regular');
    expect(reason(foreign, 4)).toBe('foreign-owner');
    expect(
      reason(
        planted(f => fs.linkSync(secret, f)),
        4
      )
    ).toBe('linked');
    expect(reason(writeSegment(new Uint8Array(4)), 8)).toBe('size');
    expect(reason(newSegmentName(), 4)).toBe('missing');
    expect(() => readSegment('plv_../../etc/passwd', 4)).toThrow(
      expect.objectContaining({ reason: 'bad-name' })
    );
  });
});
