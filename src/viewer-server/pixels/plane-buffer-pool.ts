/**
 * Reusable buffers for plane pixels copied out of shared memory. A fresh 8 MiB buffer per
 * frame costs page faults on its first write and, through V8's accounting of external
 * memory, about one full garbage collection per message; the buffer of a plane that was
 * replaced or spilled serves the next frame of the same size instead.
 *
 * Only buffers this pool allocated come back, and only whole (a view of the complete
 * buffer): a zeromq frame or one plane of a stacked image is never reused. Whoever gives a
 * buffer back promises that nothing can still read it (PlaneStore never gives back a plane
 * whose bytes are lent out). Free buffers are bounded by `maxBytes` (as allocated), oldest dropped first;
 * that bound is part of the server's memory budget (PlaneStore reserves it).
 */
import type { GarbageMeter } from './garbage-meter.js';
import { allocatedBytes } from './memory-cost.js';

export class PlaneBufferPool {
  private readonly born = new WeakSet<ArrayBuffer>();
  /** Free buffers, oldest first. */
  private readonly free: Uint8Array[] = [];
  private readonly freeSet = new Set<ArrayBuffer>();
  private freeBytes = 0;
  reused = 0;
  allocated = 0;

  constructor(
    readonly maxBytes: number,
    private readonly garbage?: GarbageMeter
  ) {}

  /** A buffer of `byteLength` bytes with arbitrary contents (the caller overwrites it all). */
  take(byteLength: number): Uint8Array {
    for (let i = this.free.length - 1; i >= 0; i--) {
      const bytes = this.free[i];
      if (bytes.byteLength !== byteLength) continue;
      this.free.splice(i, 1);
      this.freeSet.delete(bytes.buffer as ArrayBuffer);
      this.freeBytes -= allocatedBytes(byteLength);
      this.reused++;
      return bytes;
    }
    // Not zero-filled: the copy out of shared memory writes every byte.
    const buf = Buffer.allocUnsafeSlow(byteLength);
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    this.born.add(bytes.buffer as ArrayBuffer);
    this.allocated++;
    return bytes;
  }

  /** Offer a buffer nothing reads any more; returns whether the pool kept it. */
  give(bytes: Uint8Array): boolean {
    const buffer = bytes.buffer as ArrayBuffer;
    if (
      !this.born.has(buffer) ||
      this.freeSet.has(buffer) ||
      bytes.byteOffset !== 0 ||
      bytes.byteLength !== buffer.byteLength ||
      allocatedBytes(bytes.byteLength) > this.maxBytes
    )
      return false;
    this.free.push(bytes);
    this.freeSet.add(buffer);
    this.freeBytes += allocatedBytes(bytes.byteLength);
    while (this.freeBytes > this.maxBytes) {
      const oldest = this.free.shift()!;
      this.freeSet.delete(oldest.buffer as ArrayBuffer);
      this.freeBytes -= allocatedBytes(oldest.byteLength);
      this.garbage?.dropped(allocatedBytes(oldest.byteLength));
    }
    return true;
  }

  /** What the free buffers hold, as malloc allocated them (counted in the budget). */
  get bytesHeld(): number {
    return this.freeBytes;
  }
}
