// Files under segment names that the server must never read or remove (planted: a symlink
// to a file outside its store, a FIFO, another user's file, a hard link, a directory), and
// the segments the fuzzer writes as a producer would (the server must unlink each of them
// before it replies). At the end: targets unchanged, planted names still there, nothing of
// ours left in /dev/shm.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SHM_DIR } from '../../lib/protocol/node/index.js';

/** Bytes of every planted file: a 64×64 uint8 image, so only the kind of file can refuse it. */
export const PLANTED_BYTES = 64 * 64;
const PER_KIND = 4;
const OTHER_UID = 65534;

const sha = file => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const shmName = () => `plv_${randomBytes(16).toString('hex')}`;

export class SegmentFiles {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-fuzz-targets-'));
    /** kind -> names under SHM_DIR; the expected refusal reason per kind is in REASON. */
    this.planted = { symlink: [], fifo: [], foreign: [], linked: [], directory: [] };
    /** Files the planted names point at or share an inode with: must stay unchanged. */
    this.targets = [];
    /** Segments the fuzzer wrote (server must unlink them), names only. */
    this.own = new Set();
    this.skipped = [];
    /** While a message is built: the segments written for it (see `collect`). */
    this.current = null;
  }

  /** Runs `build` and returns its result with the names of the segments it wrote. */
  collect(build) {
    this.current = [];
    try {
      return { built: build(), created: this.current };
    } finally {
      this.current = null;
    }
  }

  /** The producer's sweep after a reply: a segment the message no longer named. */
  sweep(name) {
    fs.rmSync(path.join(SHM_DIR, name), { force: true });
  }

  plant() {
    const secret = path.join(this.dir, 'secret.bin');
    fs.writeFileSync(secret, randomBytes(PLANTED_BYTES), { mode: 0o600 });
    this.targets.push({ file: secret, sha: sha(secret) });
    // A hard link must stay on the same file system: its target lives in SHM_DIR, under a
    // name that is no segment name.
    const linkedTarget = path.join(SHM_DIR, `plv-fuzz-target-${randomBytes(8).toString('hex')}`);
    fs.writeFileSync(linkedTarget, randomBytes(PLANTED_BYTES), { mode: 0o600 });
    this.targets.push({ file: linkedTarget, sha: sha(linkedTarget) });
    for (let i = 0; i < PER_KIND; i++) {
      const at = () => path.join(SHM_DIR, shmName());
      const link = at();
      fs.symlinkSync(secret, link);
      this.planted.symlink.push(path.basename(link));
      const fifo = at();
      execFileSync('mkfifo', ['-m', '600', fifo]);
      this.planted.fifo.push(path.basename(fifo));
      const hard = at();
      fs.linkSync(linkedTarget, hard);
      this.planted.linked.push(path.basename(hard));
      const dir = at();
      fs.mkdirSync(dir, { mode: 0o700 });
      this.planted.directory.push(path.basename(dir));
      if (process.getuid?.() === 0) {
        const foreign = at();
        fs.writeFileSync(foreign, randomBytes(PLANTED_BYTES), { mode: 0o644 });
        fs.chownSync(foreign, OTHER_UID, OTHER_UID);
        this.planted.foreign.push(path.basename(foreign));
        this.targets.push({ file: foreign, sha: sha(foreign) });
      }
    }
    if (this.planted.foreign.length === 0)
      this.skipped.push('foreign-owner segments (needs root to chown a file to another user)');
  }

  /** A segment as our producers write it: 0600, exactly `bytes`. */
  write(bytes) {
    const name = shmName();
    fs.writeFileSync(path.join(SHM_DIR, name), bytes, { mode: 0o600, flag: 'wx' });
    this.own.add(name);
    this.current?.push(name);
    return name;
  }

  /** A sparse segment of `size` bytes (costs nothing to create, `size` to copy). */
  sparse(size) {
    const name = shmName();
    const fd = fs.openSync(path.join(SHM_DIR, name), 'wx', 0o600);
    fs.ftruncateSync(fd, size);
    fs.closeSync(fd);
    this.own.add(name);
    this.current?.push(name);
    return name;
  }

  /** A name nobody created. */
  missing() {
    return shmName();
  }

  exists(name) {
    try {
      fs.lstatSync(path.join(SHM_DIR, name));
      return true;
    } catch {
      return false;
    }
  }

  /** Problems with the planted files (changed, removed) and segments of ours left over. */
  problems() {
    const out = [];
    for (const { file, sha: before } of this.targets) {
      if (!fs.existsSync(file)) out.push(`planted target ${file} was removed`);
      else if (sha(file) !== before) out.push(`planted target ${file} was changed`);
    }
    for (const [kind, names] of Object.entries(this.planted))
      for (const name of names)
        if (!this.exists(name)) out.push(`planted ${kind} ${name} was removed by the server`);
    const left = fs.readdirSync(SHM_DIR).filter(name => this.own.has(name));
    if (left.length > 0)
      out.push(
        `${left.length} segment(s) of ours left in ${SHM_DIR}: ${left.slice(0, 5).join(', ')}`
      );
    return out;
  }

  /** Removes everything planted and written (the fuzzer's own files). */
  cleanup() {
    for (const names of Object.values(this.planted))
      for (const name of names)
        fs.rmSync(path.join(SHM_DIR, name), { recursive: true, force: true });
    for (const name of this.own) fs.rmSync(path.join(SHM_DIR, name), { force: true });
    for (const { file } of this.targets) fs.rmSync(file, { force: true });
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The refusal reason (protocol/node/shm.ts SegmentRefusal) each planted kind must get. */
export const REASON = {
  symlink: 'symlink',
  fifo: 'not-regular',
  foreign: 'foreign-owner',
  linked: 'linked',
  directory: 'not-regular'
};
