/**
 * Downsampled levels of planes for the browser, which asks for the size it displays:
 * level k halves the plane k times. Levels are computed on demand from the level above
 * and cached (least recently used beyond a byte bound); they are derived data, so the
 * cache just drops them instead of spilling. Its bound is part of the server's memory
 * budget (PlaneStore reserves it); dropped levels are reported to the GarbageMeter.
 */
import type { WireDtype } from '../../protocol/index.js';
import { binShrink2, halvedSize } from '../../protocol/bin-shrink.js';
import { modeShrink2 } from './label-levels.js';
import type { GarbageMeter } from './garbage-meter.js';
import { allocatedBytes } from './memory-cost.js';
import type { PlaneShape, WirePixels } from './wire-pixels.js';

/** The smallest level whose larger side is still ≥ `max` (level 0, full size, if none is). */
export function chooseLevel(shape: PlaneShape, max: number): number {
  let side = Math.max(shape[0], shape[1]);
  let level = 0;
  while (side > 1 && halvedSize(side) >= max) {
    side = halvedSize(side);
    level++;
  }
  return level;
}

export function levelShape(shape: PlaneShape, level: number): PlaneShape {
  let [h, w] = shape;
  for (let i = 0; i < level; i++) [h, w] = [halvedSize(h), halvedSize(w)];
  return [h, w];
}

export class LevelCache {
  private readonly cache = new Map<string, WirePixels>();
  private bytes = 0;

  constructor(
    readonly maxBytes: number,
    private readonly garbage?: GarbageMeter
  ) {}

  /** What the cached levels hold, as allocated (for the budget). */
  get bytesHeld(): number {
    return this.bytes;
  }

  /** Whether `pixels` is the cached level `level` of plane `id` (else it is the caller's). */
  holds(id: number, level: number, pixels: WirePixels): boolean {
    return this.cache.get(`${id}:${level}`) === pixels;
  }

  /** Whether level `level` of plane `id` is cached (its recency unchanged). */
  has(id: number, level: number): boolean {
    return this.cache.has(`${id}:${level}`);
  }

  /** Cache `pixels`, computed elsewhere (level-warmer.ts), as level `level` of plane `id`. */
  put(id: number, level: number, pixels: WirePixels): void {
    const key = `${id}:${level}`;
    this.drop(key);
    this.remember(key, pixels);
  }

  /** Level `level` of plane `id`: cached, else `compute()`d and cached (a plate source bins it). */
  async cached(id: number, level: number, compute: () => Promise<WirePixels>): Promise<WirePixels> {
    const key = `${id}:${level}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const pixels = await compute();
    this.put(id, level, pixels);
    return pixels;
  }

  /**
   * Level `level` of plane `id`, whose full-size wire pixels `full()` yields. `labels`:
   * the plane holds label ids, which are sampled (label-levels.ts), never averaged. `from`:
   * the level `full()` yields instead (a plate on disk that stores it), binned from there.
   */
  async level(
    id: number,
    shape: PlaneShape,
    dtype: WireDtype,
    level: number,
    full: () => Promise<WirePixels>,
    labels = false,
    from = 0
  ): Promise<WirePixels> {
    if (level <= from) return full();
    return this.cached(id, level, async () => {
      const above = await this.level(id, shape, dtype, level - 1, full, labels, from);
      const [h, w] = levelShape(shape, level - 1);
      return labels ? modeShrink2(above, h, w, dtype) : binShrink2(above, h, w, dtype);
    });
  }

  /** Forget the levels of a plane that was replaced or cleared. */
  forget(id: number): void {
    for (const key of [...this.cache.keys()]) {
      if (key.startsWith(`${id}:`)) this.drop(key);
    }
  }

  clear(): void {
    this.garbage?.dropped(this.bytes);
    this.cache.clear();
    this.bytes = 0;
  }

  private remember(key: string, pixels: WirePixels): void {
    const size = allocatedBytes(pixels.byteLength);
    if (size > this.maxBytes) return;
    this.cache.set(key, pixels);
    this.bytes += size;
    for (const oldest of this.cache.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(oldest);
    }
  }

  private drop(key: string): void {
    const pixels = this.cache.get(key);
    if (pixels === undefined) return;
    this.cache.delete(key);
    const size = allocatedBytes(pixels.byteLength);
    this.bytes -= size;
    this.garbage?.dropped(size);
  }
}
