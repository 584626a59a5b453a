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
 *
 * Saving: a plane put with attributes is also written to the SpillStore in the background,
 * in arrival order, and stays resident (the layer store outlives the process); spilling a
 * saved plane then only drops it from memory. Budget spills go first; ingest waits for
 * them only, never for saving. adopt() takes planes found on disk at start.
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
  /** What the SpillStore saves with the plane; undefined: spilled only, never saved. */
  attributes?: unknown;
  /** On disk with older attributes: only its metadata is written again. */
  metaStale: boolean;
  /** Bytes that left memory while leased: still held, freed by the last release. */
  lent: Uint8Array | null;
}

export interface PlaneStoreStats {
  budget_bytes: number;
  resident_bytes: number;
  spilled_planes: number;
}

/** What the layer store on disk holds or will hold. */
export interface SaveStats {
  /** Planes with attributes not yet (or not again) written. */
  unsaved_planes: number;
  /** Bytes of every plane's pixels plus STORED_PLANE_OVERHEAD each, saved or about to be. */
  stored_bytes: number;
}

/** Disk a saved plane takes beyond its pixels: metadata file, folders, partial blocks. */
export const STORED_PLANE_OVERHEAD = 8192;

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
  /** Planes to save (or whose metadata to rewrite), in arrival order. */
  private readonly unsaved = new Map<number, Entry>();
  private storedBytes = 0;
  /** Resolved after every write of the writer loop (settle() watches the budget by it). */
  private progress: { promise: Promise<void>; resolve: () => void } = signal();
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

  /** Stores a plane; with `attributes` it is saved to disk too (see the file comment). */
  put(id: number, dtype: Dtype, shape: PlaneShape, bytes: Uint8Array, attributes?: unknown): void {
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
      lent: null,
      attributes,
      metaStale: false
    };
    this.entries.set(id, entry);
    this.resident.set(id, entry);
    this.hold(bytes);
    if (attributes !== undefined) {
      this.unsaved.set(id, entry);
      this.storedBytes += entry.byteLength + STORED_PLANE_OVERHEAD;
    }
    this.spillIfOverBudget();
  }

  /** A plane found in the SpillStore at start: on disk only, paged in when asked for. */
  adopt(
    id: number,
    dtype: Dtype,
    shape: PlaneShape,
    byteLength: number,
    attributes: unknown
  ): void {
    this.entries.set(id, {
      id,
      dtype,
      shape,
      byteLength,
      bytes: null,
      onDisk: true,
      writing: false,
      reading: null,
      removed: false,
      spillFailed: false,
      leases: 0,
      lent: null,
      attributes,
      metaStale: false
    });
    this.storedBytes += byteLength + STORED_PLANE_OVERHEAD;
  }

  /** New attributes for a saved (or to be saved) plane: its metadata is written again. */
  setAttributes(id: number, attributes: unknown): void {
    const entry = this.entries.get(id);
    if (entry === undefined || entry.attributes === undefined) return;
    entry.attributes = attributes;
    // A write running now carries the old attributes: its metadata is rewritten after it.
    if (entry.onDisk || entry.writing) entry.metaStale = true;
    this.unsaved.set(id, entry);
    this.spillIfOverBudget();
  }

  /** What was put (or adopted) with the plane, for setAttributes. */
  attributesOf(id: number): unknown {
    return this.entries.get(id)?.attributes;
  }

  saveStats(): SaveStats {
    return { unsaved_planes: this.unsaved.size, stored_bytes: this.storedBytes };
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
    this.unsaved.delete(id);
    if (entry.attributes !== undefined)
      this.storedBytes -= entry.byteLength + STORED_PLANE_OVERHEAD;
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

  /** Resolves when no spill or save is running (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.spilling) await this.spilling;
  }

  /** True once the planes and `incoming` bytes fit the budget or nothing more can spill. */
  private fits(): boolean {
    return (
      this.heldBytes + this.incoming <= this.planeBudget || this.leastRecentlyUsed() === undefined
    );
  }

  /** Resolves once the budget is met (saving may go on), or no write runs. */
  private async budgetMet(): Promise<void> {
    while (this.spilling && !this.fits()) await this.progress.promise;
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
      return await Promise.race([this.budgetMet().then(() => true), timeout]);
    } finally {
      this.incoming = 0;
      clearTimeout(timer);
    }
  }

  /**
   * Stop spilling (shutdown): the running write finishes, then the planes still unsaved are
   * saved, for at most `saveMs`; returns how many remain unsaved.
   */
  async close(saveMs = 0): Promise<number> {
    this.closed = true;
    await this.idle();
    if (this.unsaved.size === 0 || saveMs <= 0) return this.unsaved.size;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>(r => (timer = setTimeout(r, saveMs)));
    this.saving = true;
    this.spillIfOverBudget();
    await Promise.race([this.idle(), timeout]);
    this.saving = false; // the running write finishes, nothing after it
    clearTimeout(timer);
    await this.idle();
    return this.unsaved.size;
  }

  private saving = false;

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

  private overBudget(): boolean {
    return this.heldBytes + this.incoming > this.planeBudget;
  }

  /** Starts the writer loop when there is a budget to meet or a plane to save. */
  private spillIfOverBudget(): void {
    const work = this.closed
      ? this.saving && this.unsaved.size > 0
      : this.overBudget() || this.unsaved.size > 0;
    if (this.spilling || !work) return;
    this.spilling = this.spillLoop().finally(() => {
      this.spilling = null;
      this.tick();
    });
  }

  private tick(): void {
    const done = this.progress;
    this.progress = signal();
    done.resolve();
  }

  /** Budget spills first (least recently used), then saves in arrival order. */
  private async spillLoop(): Promise<void> {
    for (;;) {
      if (this.closed && !this.saving) return;
      if (!this.closed && this.overBudget()) {
        const victim = this.leastRecentlyUsed();
        if (victim !== undefined) {
          if (await this.writeOut(victim)) this.leaveMemory(victim);
          this.tick();
          continue;
        }
      }
      const next = this.unsaved.values().next();
      if (next.done) return;
      await this.writeOut(next.value);
      this.tick();
    }
  }

  /** Writes a plane (or only its stale metadata); true when it is on disk and in memory still. */
  private async writeOut(entry: Entry): Promise<boolean> {
    this.unsaved.delete(entry.id); // set again by setAttributes() meanwhile: written again
    if (entry.onDisk) {
      if (!entry.metaStale) return entry.bytes !== null;
      entry.metaStale = false;
      await this.spill
        .writeAttributes(entry.id, entry.dtype, entry.shape, entry.attributes)
        .catch(err => this.log(`store: rewriting metadata of p${entry.id} failed: ${err}`));
      return entry.bytes !== null;
    }
    if (entry.bytes === null) return false; // removed meanwhile
    entry.writing = true;
    entry.leases++; // the write reads the bytes: never recycled meanwhile
    try {
      await this.spill.write(entry.id, entry.dtype, entry.shape, entry.bytes, entry.attributes);
      entry.onDisk = true;
    } catch (err) {
      entry.spillFailed = true;
      this.log(
        `spill: writing plane p${entry.id} failed, it stays in memory${entry.attributes === undefined ? '' : ' (not saved)'}: ${(err as Error).message}`
      );
      return false;
    } finally {
      entry.writing = false;
      this.release(entry);
    }
    if (entry.removed) {
      await this.spill.delete(entry.id).catch(() => undefined);
      return false;
    }
    return entry.bytes !== null;
  }

  private leastRecentlyUsed(): Entry | undefined {
    // Only planes whose write failed are skipped: few, at the front.
    for (const entry of this.resident.values()) {
      if (!entry.spillFailed) return entry;
    }
    return undefined;
  }
}

function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>(r => (resolve = r));
  return { promise, resolve };
}
