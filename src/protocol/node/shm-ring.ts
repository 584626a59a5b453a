/**
 * A producer's ring of reusable shared-memory slots (`plvr_<pid><random>`, protocol/shm.ts).
 * A fresh segment per image costs page allocation on write and page freeing on unlink, which
 * took most of the time of a transfer; a slot is written in place, its pages already there.
 * A slot is lent for one message and comes back once the server replied (it copied the
 * pixels before replying); after a failed send it is retired (unlinked), since the server
 * may still be reading it. One ring per process, bounded in bytes and in slots; free slots
 * are unlinked when a stream closes (releaseFreeSlots) or after IDLE_MS, all at exit. A producer killed before that
 * leaves its slots to the server's sweep (viewer-server/ingest/ring-sweep.ts) or to the
 * next producer's (`sweepDeadRings`).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RING_PREFIX, ringSlotPid } from '../shm.js';
import { SHM_DIR, segmentPath, segmentProblem } from './shm.js';

export interface RingLimits {
  /** Bytes of slots the ring keeps at most (lent and free). */
  maxBytes: number;
  /** Slots at most (each is a file under /dev/shm). */
  maxSlots: number;
}

export const DEFAULT_RING_LIMITS: RingLimits = { maxBytes: 256 * 2 ** 20, maxSlots: 128 };
/** Free slots unused for this long are unlinked (a notebook kernel idles for hours). */
export const IDLE_MS = 30_000;

interface Slot {
  name: string;
  nbytes: number;
  lastUsed: number;
}

function newSlotName(pid: number): string {
  return (
    RING_PREFIX + pid.toString(16).padStart(8, '0').slice(-8) + randomBytes(12).toString('hex')
  );
}

function writeAll(file: string, flags: string, bytes: Uint8Array): void {
  const fd = fs.openSync(file, flags, 0o600);
  try {
    let written = 0;
    while (written < bytes.byteLength) {
      written += fs.writeSync(fd, bytes, written, bytes.byteLength - written, written);
    }
  } finally {
    fs.closeSync(fd);
  }
}

export class ShmRing {
  private readonly free = new Map<number, Slot[]>();
  private readonly lent = new Map<string, Slot>();
  private bytes = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly limits: RingLimits = DEFAULT_RING_LIMITS) {}

  /**
   * Writes `bytes` into a slot of exactly that size and lends it; null when the ring is at
   * its bounds (the caller sends a one-shot segment instead). Throws when /dev/shm refuses.
   */
  lend(bytes: Uint8Array): string | null {
    const nbytes = bytes.byteLength;
    const reused = this.free.get(nbytes)?.pop();
    const slot = reused ?? this.create(nbytes);
    if (!slot) return null;
    try {
      try {
        writeAll(segmentPath(slot.name), reused ? 'r+' : 'wx', bytes);
      } catch (err) {
        // A reused slot someone unlinked (a sweep, a user): make it anew.
        if (!reused || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        writeAll(segmentPath(slot.name), 'wx', bytes);
      }
    } catch (err) {
      this.retireSlot(slot);
      throw err;
    }
    this.lent.set(slot.name, slot);
    this.armTrim();
    return slot.name;
  }

  /** Slots back after the server's reply: free for the next message. */
  giveBack(names: readonly string[]): void {
    const now = Date.now();
    for (const name of names) {
      const slot = this.lent.get(name);
      if (!slot) continue;
      this.lent.delete(name);
      slot.lastUsed = now;
      const list = this.free.get(slot.nbytes) ?? [];
      list.push(slot);
      this.free.set(slot.nbytes, list);
    }
  }

  /** Slots of a message that failed (no reply): the server may still read them, so unlink. */
  retire(names: readonly string[]): void {
    for (const name of names) {
      const slot = this.lent.get(name);
      if (!slot) continue;
      this.lent.delete(name);
      this.retireSlot(slot);
    }
  }

  /** Whether `name` is a slot this ring lent (and not given back yet). */
  isLent(name: string): boolean {
    return this.lent.has(name);
  }

  /** Slots in the ring now (lent and free). */
  get slots(): number {
    let n = this.lent.size;
    for (const list of this.free.values()) n += list.length;
    return n;
  }

  /** Unlinks free slots idle for `idleMs` (all free ones with 0). */
  trim(idleMs = IDLE_MS): void {
    const cutoff = Date.now() - idleMs;
    for (const [nbytes, list] of this.free) {
      const keep = list.filter(slot => slot.lastUsed > cutoff);
      for (const slot of list) if (!keep.includes(slot)) this.retireSlot(slot);
      if (keep.length > 0) this.free.set(nbytes, keep);
      else this.free.delete(nbytes);
    }
  }

  /** Unlinks every slot, lent ones too (process exit). */
  destroy(): void {
    this.trim(0);
    this.retire([...this.lent.keys()]);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private create(nbytes: number): Slot | null {
    if (this.slots >= this.limits.maxSlots || this.bytes + nbytes > this.limits.maxBytes) {
      this.trim(0); // free slots of other sizes make room
      if (this.slots >= this.limits.maxSlots || this.bytes + nbytes > this.limits.maxBytes)
        return null;
    }
    this.bytes += nbytes;
    return { name: newSlotName(process.pid), nbytes, lastUsed: Date.now() };
  }

  private retireSlot(slot: Slot): void {
    this.bytes -= slot.nbytes;
    try {
      fs.unlinkSync(segmentPath(slot.name));
    } catch {
      // already gone (never created, or swept)
    }
  }

  private armTrim(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.trim(), IDLE_MS / 3);
    this.timer.unref?.(); // never keeps a process alive
  }
}

let processRing: ShmRing | null = null;

/**
 * Unlinks the free slots of this process's ring, if it has one: a closed stream leaves
 * nothing in shared memory (slots lent to another open stream stay with it).
 */
export function releaseFreeSlots(): void {
  processRing?.trim(0);
}

/** The ring of this process, created on first use; its slots are unlinked at exit. */
export function producerRing(): ShmRing {
  if (processRing) return processRing;
  const ring = new ShmRing();
  processRing = ring;
  sweepDeadRings();
  process.on('exit', () => ring.destroy());
  return ring;
}

/** Whether `pid` may still run: only "no such process" (ESRCH) counts as gone. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // Only "no such process" means gone: EPERM is someone else's live process, and a
    // runtime that cannot send signal 0 (another error) must never sweep a live ring.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Unlinks the ring slots of producers whose process is gone (killed before their exit
 * handler ran). Only our own regular files are touched (segmentProblem). Returns how many.
 */
export function sweepDeadRings(isAlive: (pid: number) => boolean = processAlive): number {
  let removed = 0;
  let names: string[];
  try {
    names = fs.readdirSync(SHM_DIR).filter(n => n.startsWith(RING_PREFIX));
  } catch {
    return 0;
  }
  const verdict = new Map<number, boolean>();
  for (const name of names) {
    const pid = ringSlotPid(name);
    if (pid === null) continue;
    if (!verdict.has(pid)) verdict.set(pid, pid === process.pid || isAlive(pid));
    if (verdict.get(pid)) continue;
    try {
      const file = path.join(SHM_DIR, name);
      const stat = fs.lstatSync(file);
      if (stat.isSymbolicLink() || segmentProblem(name, stat) !== null) continue;
      fs.unlinkSync(file);
      removed++;
    } catch {
      // gone meanwhile
    }
  }
  return removed;
}

/** Names of ring slots present now (tests count these). */
export function listRingSlots(): string[] {
  try {
    return fs.readdirSync(SHM_DIR).filter(n => ringSlotPid(n) !== null);
  } catch {
    return [];
  }
}
