/**
 * A FIFO with a hard bound on how many images and bytes it holds. `offer` never waits: when
 * the bound would be exceeded the entry is refused, so the pipeline never blocks on a slow or
 * dead viewer (the caller counts the refusal as dropped).
 */
export interface QueueLimits {
  maxImages: number;
  maxBytes: number;
}

export interface QueueWeight {
  images: number;
  bytes: number;
}

export class BoundedQueue<T> {
  private readonly entries: T[] = [];
  private head = 0;
  private images = 0;
  private bytes = 0;

  constructor(
    private readonly limits: QueueLimits,
    private readonly weigh: (entry: T) => QueueWeight
  ) {
    if (!(limits.maxImages >= 1) || !(limits.maxBytes >= 1)) {
      throw new RangeError(
        `queue limits must be ≥ 1, got maxImages=${limits.maxImages} maxBytes=${limits.maxBytes}`
      );
    }
  }

  /** Adds the entry if it fits within the limits; false (nothing queued) otherwise. */
  offer(entry: T): boolean {
    const w = this.weigh(entry);
    if (
      this.images + w.images > this.limits.maxImages ||
      this.bytes + w.bytes > this.limits.maxBytes
    )
      return false;
    this.entries.push(entry);
    this.images += w.images;
    this.bytes += w.bytes;
    return true;
  }

  take(): T | undefined {
    if (this.head >= this.entries.length) return undefined;
    const entry = this.entries[this.head];
    this.entries[this.head++] = undefined as T; // let the arrays be collected
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
    const w = this.weigh(entry);
    this.images -= w.images;
    this.bytes -= w.bytes;
    return entry;
  }

  /** Removes and returns everything still queued. */
  takeAll(): T[] {
    const rest: T[] = [];
    for (let e = this.take(); e !== undefined; e = this.take()) rest.push(e);
    return rest;
  }

  get length(): number {
    return this.entries.length - this.head;
  }

  get queuedImages(): number {
    return this.images;
  }

  get queuedBytes(): number {
    return this.bytes;
  }
}
