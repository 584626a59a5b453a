/**
 * Pixels of every stored plane, within a memory budget: when resident bytes exceed it, the
 * least recently used planes are written to the SpillStore and dropped from memory; a
 * request pages them back. A plane leaves memory only after its write finished, so nothing
 * is lost, and a failed write keeps it resident.
 *
 * The bytes of a plane that leaves memory (replaced, cleared or spilled) go back to the
 * PlaneBufferPool, unless they were ever handed out by get(): an HTTP response may still
 * be sending them, so those are left to the garbage collector.
 */
import type { Dtype } from '../../protocol/index.js';
import type { PlaneBufferPool } from './plane-buffer-pool.js';
import type { PlaneShape } from './wire-pixels.js';
import type { SpillStore } from './spill-store.js';

interface Entry {
  id: number;
  dtype: Dtype;
  shape: PlaneShape;
  byteLength: number;
  /** null while only on disk. */
  bytes: Uint8Array | null;
  onDisk: boolean;
  writing: boolean;
  reading: Promise<Uint8Array> | null;
  removed: boolean;
  spillFailed: boolean;
  /** get() handed the bytes out: someone may still read them, never reuse them. */
  lent: boolean;
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
  private residentBytes = 0;
  private spilling: Promise<void> | null = null;
  private closed = false;

  constructor(
    readonly budgetBytes: number,
    private readonly spill: SpillStore,
    private readonly log: (line: string) => void = () => {},
    private readonly pool?: PlaneBufferPool
  ) {}

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
      lent: false
    };
    this.entries.set(id, entry);
    this.resident.set(id, entry);
    this.residentBytes += bytes.byteLength;
    this.spillIfOverBudget();
  }

  /** The plane's bytes, paged back from disk if needed; undefined for an unknown id. */
  async get(id: number): Promise<Uint8Array | undefined> {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    entry.lent = true;
    if (entry.bytes !== null) {
      this.resident.delete(id);
      this.resident.set(id, entry);
      return entry.bytes;
    }
    entry.reading ??= this.spill.read(id).then(
      bytes => {
        entry.reading = null;
        if (!entry.removed && entry.bytes === null) {
          entry.bytes = bytes;
          this.resident.set(id, entry);
          this.residentBytes += bytes.byteLength;
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

  remove(id: number): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    this.entries.delete(id);
    this.resident.delete(id);
    entry.removed = true;
    if (entry.bytes !== null) {
      this.residentBytes -= entry.byteLength;
      // A spill write still reads the bytes; they are not reused then.
      if (!entry.writing) this.recycle(entry);
    }
    entry.bytes = null;
    if (entry.onDisk && !entry.writing)
      void this.spill.delete(id).catch(err => this.log(`spill: delete p${id}: ${err}`));
  }

  clear(): void {
    for (const id of [...this.entries.keys()]) this.remove(id);
  }

  stats(): PlaneStoreStats {
    return {
      budget_bytes: this.budgetBytes,
      resident_bytes: this.residentBytes,
      spilled_planes: this.entries.size - this.resident.size
    };
  }

  /** Resolves when no spill is running (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.spilling) await this.spilling;
  }

  /** Stop spilling (shutdown): the running write finishes, no new one starts. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
  }

  private spillIfOverBudget(): void {
    if (this.spilling || this.closed || this.residentBytes <= this.budgetBytes) return;
    this.spilling = this.spillLoop().finally(() => {
      this.spilling = null;
    });
  }

  private async spillLoop(): Promise<void> {
    while (this.residentBytes > this.budgetBytes && !this.closed) {
      const victim = this.leastRecentlyUsed();
      if (victim === undefined) return;
      if (!victim.onDisk) {
        victim.writing = true;
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
        }
        if (victim.removed) {
          await this.spill.delete(victim.id).catch(() => undefined);
          continue;
        }
      }
      if (victim.bytes !== null) {
        this.recycle(victim);
        victim.bytes = null;
        this.resident.delete(victim.id);
        this.residentBytes -= victim.byteLength;
      }
    }
  }

  private recycle(entry: Entry): void {
    if (entry.bytes !== null && !entry.lent) this.pool?.give(entry.bytes);
  }

  private leastRecentlyUsed(): Entry | undefined {
    // Only planes being written or whose write failed are skipped: few, at the front.
    for (const entry of this.resident.values()) {
      if (!entry.writing && !entry.spillFailed) return entry;
    }
    return undefined;
  }
}
