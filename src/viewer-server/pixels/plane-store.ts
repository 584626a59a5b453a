/**
 * Pixels of every stored plane, within a memory budget: when the planes hold more than
 * their share of it, the least recently used are written to the SpillStore and dropped
 * from memory; a request pages them back. A plane leaves memory only after its write
 * finished, so nothing is lost, and a failed write keeps it resident.
 *
 * What the budget counts is what the process really holds: each buffer of resident planes
 * as malloc allocated it (a buffer shared by the planes of a stacked image once, until its
 * last plane left), PLANE_BOOKKEEPING_BYTES for every plane, resident or spilled, and the
 * reserves carved out of the budget (free pool buffers, cached levels).
 *
 * get() lends a plane's bytes until the lease is released (an HTTP response may still be
 * sending them; a spill write is a lease too): bytes that leave memory while lent stay
 * counted, and go back to the PlaneBufferPool only with the last release.
 */
import type { Dtype } from '../../protocol/index.js';
import type { GarbageMeter } from './garbage-meter.js';
import { allocatedBytes, PLANE_BOOKKEEPING_BYTES } from './memory-cost.js';
import type { PlaneBufferPool } from './plane-buffer-pool.js';
import type { PlaneShape } from './wire-pixels.js';
import type { SpillStore } from './spill-store.js';

/** Memory set aside within the budget for something else than planes. */
export interface MemoryReserve {
  readonly maxBytes: number;
  readonly bytesHeld: number;
}

/** A plane's bytes on loan; release() once nothing reads them any more. */
export interface PlaneLease {
  bytes: Uint8Array;
  release(): void;
}

/** The budget cannot take more planes, even with every pixel spilled. */
export class MemoryBudgetError extends Error {
  override name = 'MemoryBudgetError';
}

interface Entry {
  id: number;
  dtype: Dtype;
  shape: PlaneShape;
  byteLength: number;
  /** null while only on disk. */
  bytes: Uint8Array | null;
  onDisk: boolean;
  /** A spill write runs (it holds a lease). */
  writing: boolean;
  reading: Promise<Uint8Array> | null;
  removed: boolean;
  spillFailed: boolean;
  /** Unreleased leases: HTTP responses and the spill write. */
  leases: number;
  /** Bytes that left memory while leased: still held, freed by the last release. */
  lent: Uint8Array | null;
}

export interface PlaneStoreStats {
  budget_bytes: number;
  resident_bytes: number;
  spilled_planes: number;
}

export class PlaneStore {
  private readonly entries = new Map<number, Entry>();
  /**
   * Planes with bytes in memory, least recently used first (a use moves an entry to the
   * end), so finding the next one to spill never walks the planes already on disk.
   */
  private readonly resident = new Map<number, Entry>();
  /** Buffers held for resident or lent planes: how many views, and their allocated size. */
  private readonly buffers = new Map<ArrayBufferLike, { views: number; bytes: number }>();
  private pixelBytes = 0;
  private spilling: Promise<void> | null = null;
  private closed = false;
  /** Bytes about to be stored that settle() makes room for. */
  private incoming = 0;
  /** What planes may hold: the budget less the reserves. */
  readonly planeBudget: number;

  constructor(
    readonly budgetBytes: number,
    private readonly spill: SpillStore,
    private readonly log: (line: string) => void = () => {},
    private readonly pool?: PlaneBufferPool,
    private readonly reserves: MemoryReserve[] = [],
    private readonly garbage?: GarbageMeter
  ) {
    const reserved = [...reserves, ...(pool ? [pool] : [])].reduce((n, r) => n + r.maxBytes, 0);
    this.planeBudget = Math.max(0, budgetBytes - reserved);
  }

  /** Bytes the planes hold: pixels in memory plus every plane's bookkeeping. */
  get heldBytes(): number {
    return this.pixelBytes + this.entries.size * PLANE_BOOKKEEPING_BYTES;
  }

  /**
   * Throws MemoryBudgetError when the bookkeeping of `planes` more would take over half the
   * planes' budget (it cannot be spilled; the other half stays for pixels).
   */
  assertRoom(planes: number): void {
    const bookkeeping = (this.entries.size + planes) * PLANE_BOOKKEEPING_BYTES;
    if (bookkeeping <= this.planeBudget / 2) return;
    throw new MemoryBudgetError(
      `${planes} more plane(s) would make the bookkeeping of ${this.entries.size + planes} planes (${PLANE_BOOKKEEPING_BYTES} bytes each, kept in memory even when their pixels are spilled) exceed half of the ${this.planeBudget} bytes the memory budget leaves for planes; clear the viewer, send fewer and larger planes, or raise --memory-budget`
    );
  }

  put(id: number, dtype: Dtype, shape: PlaneShape, bytes: Uint8Array): void {
    const entry: Entry = {
      id,
      dtype,
      shape,
      byteLength: bytes.byteLength,
      bytes,
      onDisk: false,
      writing: false,
      reading: null,
      removed: false,
      spillFailed: false,
      leases: 0,
      lent: null
    };
    this.entries.set(id, entry);
    this.resident.set(id, entry);
    this.hold(bytes);
    this.spillIfOverBudget();
  }

  /** The plane's bytes on loan, paged back from disk if needed; undefined for an unknown id. */
  async get(id: number): Promise<PlaneLease | undefined> {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    entry.leases++;
    let bytes: Uint8Array;
    try {
      bytes = await this.residentBytes(entry);
    } catch (err) {
      this.release(entry);
      throw err;
    }
    let released = false;
    return {
      bytes,
      release: () => {
        if (released) return;
        released = true;
        this.release(entry);
      }
    };
  }

  /**
   * The bytes of plane `id` while they are in memory (undefined when spilled or unknown), for
   * a synchronous read only: not a use (the spill order stays) and not a lease.
   */
  peek(id: number): Uint8Array | undefined {
    return this.resident.get(id)?.bytes ?? undefined;
  }

  remove(id: number): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    this.entries.delete(id);
    entry.removed = true;
    if (entry.bytes !== null) this.leaveMemory(entry);
    // A running spill write deletes its file itself when it finds the plane removed.
    if (entry.onDisk && !entry.writing)
      void this.spill.delete(id).catch(err => this.log(`spill: delete p${id}: ${err}`));
  }

  clear(): void {
    for (const id of [...this.entries.keys()]) this.remove(id);
  }

  stats(): PlaneStoreStats {
    const reserved = [...this.reserves, ...(this.pool ? [this.pool] : [])];
    return {
      budget_bytes: this.budgetBytes,
      resident_bytes: this.heldBytes + reserved.reduce((n, r) => n + r.bytesHeld, 0),
      spilled_planes: this.entries.size - this.resident.size
    };
  }

  /** Resolves when no spill is running (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.spilling) await this.spilling;
  }

  /**
   * Resolves true once the planes and `incoming` bytes about to be stored fit the budget
   * (or nothing more can be spilled), false after `timeoutMs`: ingest waits here, so
   * producers cannot outrun the spill.
   */
  async settle(timeoutMs: number, incoming = 0): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>(r => (timer = setTimeout(() => r(false), timeoutMs)));
    this.incoming = incoming;
    this.spillIfOverBudget();
    try {
      return await Promise.race([this.idle().then(() => true), timeout]);
    } finally {
      this.incoming = 0;
      clearTimeout(timer);
    }
  }

  /** Stop spilling (shutdown): the running write finishes, no new one starts. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
  }

  private async residentBytes(entry: Entry): Promise<Uint8Array> {
    if (entry.bytes === null && entry.lent !== null) {
      // Still in memory for an earlier lease: resident again, no read needed.
      [entry.bytes, entry.lent] = [entry.lent, null];
      this.resident.set(entry.id, entry);
    }
    if (entry.bytes !== null) {
      this.resident.delete(entry.id);
      this.resident.set(entry.id, entry);
      return entry.bytes;
    }
    entry.reading ??= this.spill
      .read(entry.id, entry.byteLength, n => this.pool?.take(n) ?? new Uint8Array(n))
      .then(
        bytes => {
          entry.reading = null;
          this.hold(bytes);
          if (entry.removed)
            entry.lent = bytes; // freed by the last release
          else {
            entry.bytes = bytes;
            this.resident.set(entry.id, entry);
            this.spillIfOverBudget();
          }
          return bytes;
        },
        (err: unknown) => {
          entry.reading = null;
          throw err;
        }
      );
    return entry.reading;
  }

  private release(entry: Entry): void {
    entry.leases--;
    if (entry.leases > 0 || entry.lent === null) return;
    const bytes = entry.lent;
    entry.lent = null;
    this.free(bytes);
  }

  /** The plane's bytes leave memory: freed now, or by the last release when lent. */
  private leaveMemory(entry: Entry): void {
    const bytes = entry.bytes!;
    entry.bytes = null;
    this.resident.delete(entry.id);
    if (entry.leases > 0) entry.lent = bytes;
    else this.free(bytes);
  }

  private hold(bytes: Uint8Array): void {
    const held = this.buffers.get(bytes.buffer);
    if (held) held.views++;
    else {
      const size = allocatedBytes(bytes.buffer.byteLength);
      this.buffers.set(bytes.buffer, { views: 1, bytes: size });
      this.pixelBytes += size;
    }
  }

  /** Unhold; when no plane holds the buffer any more, it goes to the pool or to the GC. */
  private free(bytes: Uint8Array): void {
    const held = this.buffers.get(bytes.buffer)!;
    if (--held.views > 0) return;
    this.buffers.delete(bytes.buffer);
    this.pixelBytes -= held.bytes;
    // The whole buffer: the planes of a stacked image are views of one pool buffer.
    const whole =
      bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes.buffer);
    if (!this.pool?.give(whole)) this.garbage?.dropped(held.bytes);
  }

  private spillIfOverBudget(): void {
    if (this.spilling || this.closed || this.heldBytes + this.incoming <= this.planeBudget) return;
    this.spilling = this.spillLoop().finally(() => {
      this.spilling = null;
    });
  }

  private async spillLoop(): Promise<void> {
    while (this.heldBytes + this.incoming > this.planeBudget && !this.closed) {
      const victim = this.leastRecentlyUsed();
      if (victim === undefined) return;
      if (!victim.onDisk) {
        victim.writing = true;
        victim.leases++; // the write reads the bytes: never recycled meanwhile
        try {
          await this.spill.write(victim.id, victim.dtype, victim.shape, victim.bytes!);
          victim.onDisk = true;
        } catch (err) {
          victim.spillFailed = true;
          this.log(
            `spill: writing plane p${victim.id} failed, it stays in memory: ${(err as Error).message}`
          );
          continue;
        } finally {
          victim.writing = false;
          this.release(victim);
        }
        if (victim.removed) {
          await this.spill.delete(victim.id).catch(() => undefined);
          continue;
        }
      }
      if (victim.bytes !== null) this.leaveMemory(victim);
    }
  }

  private leastRecentlyUsed(): Entry | undefined {
    // Only planes whose write failed are skipped: few, at the front.
    for (const entry of this.resident.values()) {
      if (!entry.spillFailed) return entry;
    }
    return undefined;
  }
}
