/**
 * Side by side (compare runs): napari's grid mode (`viewer.grid.enabled`, `grid.shape`) for
 * runs instead of single layers. Each run gets its own tile of the canvas — the kept runs
 * (`K (run N)`), the live run, and each layer opened from disk on its own — and every tile
 * shows the same position (well, channel, z, …) through the same camera, so a parameter
 * change is seen at one glance. A run's layers and channels stay composited in their tile.
 * No DOM: which tiles, their labels and the grid's shape; the view draws them.
 */
import { Signal, type ISignal } from '@lumino/signaling';
import type { LayerInfo } from '../../protocol/viewer-api.js';

/** The suffix the server gives a kept run's layers (`POST api/keep`): ` (run N)`. */
const KEPT_RUN = / \(run (\d+)\)$/;

/** One tile: the layers of one run (or one layer from disk), in layer-list order. */
export interface RunTile {
  /** Stable id: `run N`, `live`, or `disk:<layer key>`. */
  id: string;
  /** Shown over the tile: `run 1`, `run 2 (live)`, or the layer's name. */
  label: string;
  layers: string[];
}

/** Tile grid: columns × rows. */
export interface TileShape {
  cols: number;
  rows: number;
}

/** A tile's place in the canvas, in the canvas' pixels (origin top-left). */
export interface TileRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Room between tiles, in CSS px (napari's `grid.spacing`). */
export const TILE_GAP_PX = 4;

/**
 * The layers grouped into tiles: kept runs by number, then the live run (named
 * `run N+1 (live)` once a run was kept, else `live`), then each layer from disk alone.
 */
export function runTiles(layers: Iterable<Pick<LayerInfo, 'key' | 'origin'>>): RunTile[] {
  const kept = new Map<number, string[]>();
  const live: string[] = [];
  const disk: RunTile[] = [];
  for (const { key, origin } of layers) {
    const run = KEPT_RUN.exec(key);
    if (run) {
      const n = Number(run[1]);
      kept.set(n, [...(kept.get(n) ?? []), key]);
    } else if (origin === 'disk') disk.push({ id: `disk:${key}`, label: key, layers: [key] });
    else live.push(key);
  }
  const runs = [...kept.keys()].sort((a, b) => a - b);
  const tiles: RunTile[] = runs.map(n => ({
    id: `run ${n}`,
    label: `run ${n}`,
    layers: kept.get(n)!
  }));
  if (live.length > 0) {
    const next = runs.length > 0 ? runs[runs.length - 1] + 1 : 0;
    tiles.push({ id: 'live', label: next ? `run ${next} (live)` : 'live', layers: live });
  }
  return [...tiles, ...disk];
}

/**
 * Columns × rows for `count` tiles of an `imageW` × `imageH` image in a `viewW` × `viewH`
 * canvas: the shape that shows the image largest (napari picks a square grid; a wide panel
 * wants two runs beside each other, a tall one above each other). Ties: fewer empty tiles.
 */
export function tileShape(
  count: number,
  viewW: number,
  viewH: number,
  imageW = 1,
  imageH = 1
): TileShape {
  let best: TileShape = { cols: 1, rows: 1 };
  let bestScale = -1;
  for (let cols = 1; cols <= Math.max(1, count); cols++) {
    const rows = Math.ceil(count / cols);
    const scale = Math.min(viewW / cols / imageW, viewH / rows / imageH);
    const better = scale > bestScale * (1 + 1e-9);
    const tie = !better && scale >= bestScale * (1 - 1e-9);
    if (better || (tie && cols * rows < best.cols * best.rows)) {
      best = { cols, rows };
      bestScale = scale;
    }
  }
  return best;
}

/** The rectangles of a `shape` grid in a `viewW` × `viewH` canvas, row by row, `gap` apart. */
export function tileRects(shape: TileShape, viewW: number, viewH: number, gap = 0): TileRect[] {
  const width = Math.max(1, (viewW - gap * (shape.cols - 1)) / shape.cols);
  const height = Math.max(1, (viewH - gap * (shape.rows - 1)) / shape.rows);
  const rects: TileRect[] = [];
  for (let r = 0; r < shape.rows; r++)
    for (let c = 0; c < shape.cols; c++)
      rects.push({ x: c * (width + gap), y: r * (height + gap), width, height });
  return rects;
}

/** The index of the rectangle holding point (x, y), or -1 (in a gap or outside). */
export function tileAt(rects: readonly TileRect[], x: number, y: number): number {
  return rects.findIndex(r => x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height);
}

/**
 * The side-by-side switch: what the user chose (saved with the view) and whether it applies
 * now — with one tile only (a single run, nothing kept) the canvas draws as usual.
 */
export class SideBySide {
  get enabled(): boolean {
    return this._enabled;
  }

  set enabled(on: boolean) {
    if (on === this._enabled) return;
    this._enabled = on;
    this._changed.emit();
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The tiles to draw now: null while off or with fewer than two runs to compare. */
  tiles(layers: Iterable<Pick<LayerInfo, 'key' | 'origin'>>): RunTile[] | null {
    if (!this._enabled) return null;
    const tiles = runTiles(layers);
    return tiles.length > 1 ? tiles : null;
  }

  /** Whether the switch can do anything: two or more runs (or layers from disk). */
  static available(layers: Iterable<Pick<LayerInfo, 'key' | 'origin'>>): boolean {
    return runTiles(layers).length > 1;
  }

  private _enabled = false;
  private _changed = new Signal<this, void>(this);
}
