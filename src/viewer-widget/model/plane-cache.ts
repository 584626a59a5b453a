/**
 * PlaneCache: planes already in the browser, least recently used evicted first, bounded in
 * bytes so a 384-well plate cannot grow the page past its memory budget. Keys use axis
 * VALUES, not indices: when the server inserts a new well, cached planes stay valid.
 */
import { planeKey } from './axis-values.js';
import { planeBytes, planeSize, type AxisValue, type Plane } from './plane.js';

export const DEFAULT_CACHE_BYTES = 384 * 1024 * 1024;

export class PlaneCache {
  constructor(readonly budgetBytes = DEFAULT_CACHE_BYTES) {
    if (!(budgetBytes > 0))
      throw new Error(`PlaneCache: budget must be > 0 bytes, got ${budgetBytes}`);
  }

  get bytes(): number {
    return this._bytes;
  }

  get size(): number {
    return this._entries.size;
  }

  /** Store a plane; evicts the least recently used ones beyond the budget. */
  put(plane: Plane): void {
    const size = planeBytes(plane);
    if (size > this.budgetBytes) return; // never cache what alone exceeds the budget
    const key = entryKey(plane.layer, plane.values, plane.level);
    this._delete(key);
    this._entries.set(key, plane);
    this._bytes += size;
    const pk = planeKey(plane.layer, plane.values);
    let levels = this._levels.get(pk);
    if (!levels) this._levels.set(pk, (levels = new Set()));
    levels.add(plane.level);
    for (const [oldest] of this._entries) {
      if (this._bytes <= this.budgetBytes) break;
      this._delete(oldest);
    }
  }

  get(layer: string, values: readonly AxisValue[], level: number): Plane | undefined {
    const key = entryKey(layer, values, level);
    const plane = this._entries.get(key);
    if (plane) this._touch(key, plane);
    return plane;
  }

  /**
   * The cached level that serves a view needing `size` pixels on its larger side: the
   * smallest level at least that big, else the biggest there is. Marks it recently used.
   */
  best(layer: string, values: readonly AxisValue[], size: number): Plane | undefined {
    const levels = this._levels.get(planeKey(layer, values));
    if (!levels) return undefined;
    let fit: Plane | undefined;
    let biggest: Plane | undefined;
    for (const level of levels) {
      const p = this._entries.get(entryKey(layer, values, level))!;
      if (planeSize(p) >= size && (!fit || planeSize(p) < planeSize(fit))) fit = p;
      if (!biggest || planeSize(p) > planeSize(biggest)) biggest = p;
    }
    const chosen = fit ?? biggest;
    if (chosen) this._touch(entryKey(layer, values, chosen.level), chosen);
    return chosen;
  }

  /** A plane was replaced on the server: drop every level older than `revision`. */
  invalidate(layer: string, values: readonly AxisValue[], revision = Infinity): void {
    const levels = this._levels.get(planeKey(layer, values));
    if (!levels) return;
    for (const level of [...levels]) {
      const key = entryKey(layer, values, level);
      if (this._entries.get(key)!.revision < revision) this._delete(key);
    }
  }

  dropLayer(layer: string): void {
    for (const [key, plane] of [...this._entries]) if (plane.layer === layer) this._delete(key);
  }

  clear(): void {
    this._entries.clear();
    this._levels.clear();
    this._bytes = 0;
  }

  private _touch(key: string, plane: Plane): void {
    this._entries.delete(key);
    this._entries.set(key, plane);
  }

  private _delete(key: string): void {
    const plane = this._entries.get(key);
    if (!plane) return;
    this._entries.delete(key);
    this._bytes -= planeBytes(plane);
    const pk = planeKey(plane.layer, plane.values);
    const levels = this._levels.get(pk);
    levels?.delete(plane.level);
    if (levels && levels.size === 0) this._levels.delete(pk);
  }

  /** Map order is recency order: first = least recently used. */
  private _entries = new Map<string, Plane>();
  private _levels = new Map<string, Set<number>>();
  private _bytes = 0;
}

function entryKey(layer: string, values: readonly AxisValue[], level: number): string {
  return `${planeKey(layer, values)}\u0000${level}`;
}
