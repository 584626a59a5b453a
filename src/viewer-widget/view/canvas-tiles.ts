/**
 * CanvasTiles: the tiles of the canvas while runs are side by side (model/side-by-side.ts).
 * Lays the tiles out in CSS px, finds the tile under the pointer, and keeps a label and an
 * image outline over each tile. With no tiles it is one tile covering the whole canvas, so
 * the canvas view handles both cases the same way.
 */
import type { Camera } from '../model/camera.js';
import type { RoiDrawShape } from '../model/roi-overlays.js';
import {
  TILE_GAP_PX,
  tileAt,
  tileRects,
  tileShape,
  type RunTile,
  type TileRect
} from '../model/side-by-side.js';
import { layerOfDrawKey } from '../model/viewer-model.js';
import { el, PREFIX, testId } from './dom.js';
import type { DrawLayer, DrawTile } from './gl-renderer.js';

/** One run's tile as the host gives it: a label and the layers (and ROIs) it shows. */
export interface ViewTile {
  label: string;
  layers: DrawLayer[];
  rois: RoiDrawShape[];
}

/**
 * The drawn layers (and ROIs: `roisOf` a tile's layer keys) split into the tiles of `runs`;
 * a tile keeps its place while it has nothing at this position.
 */
export function splitIntoTiles(
  runs: readonly RunTile[],
  drawn: readonly DrawLayer[],
  roisOf: (layers: ReadonlySet<string>) => RoiDrawShape[]
): ViewTile[] {
  return runs.map(run => {
    const own = new Set(run.layers);
    return {
      label: run.label,
      layers: drawn.filter(d => own.has(layerOfDrawKey(d.key))),
      rois: roisOf(own)
    };
  });
}

export class CanvasTiles {
  /** Holds the per-tile labels and outlines; the canvas view puts it over the canvas. */
  readonly node: HTMLElement;

  constructor() {
    this.node = el('div', 'tiles', { 'data-testid': testId('tiles'), 'data-count': '0' });
  }

  /** Side by side now (two tiles or more). */
  get tiled(): boolean {
    return this._tiles !== null;
  }

  /** Size of one tile in CSS px (the whole canvas when not tiled). */
  get tileSize(): [number, number] {
    const r = this._rects[0];
    return r ? [r.width, r.height] : [0, 0];
  }

  /**
   * Lay `tiles` out in a `viewW` × `viewH` canvas showing an `imageW` × `imageH` extent;
   * null (or one tile): the whole canvas is one view.
   */
  layout(tiles: ViewTile[] | null, viewW: number, viewH: number, imageW: number, imageH: number) {
    this._tiles = tiles && tiles.length > 1 ? tiles : null;
    if (!this._tiles) this._rects = [{ x: 0, y: 0, width: viewW, height: viewH }];
    else {
      const shape = tileShape(this._tiles.length, viewW, viewH, imageW || 1, imageH || 1);
      this._rects = tileRects(shape, viewW, viewH, TILE_GAP_PX);
    }
    this.node.dataset.count = String(this._tiles?.length ?? 0);
    // where each tile is, in CSS px of the canvas (tests read the tiles' pixels there)
    const rects = this._tiles ? this._rects : [];
    this.node.dataset.rects = JSON.stringify(
      rects.map(r => [r.x, r.y, r.width, r.height].map(v => Math.round(v)))
    );
  }

  /** The tiles to draw, in device px (`dpr` device px per CSS px, whole pixels for GL). */
  drawTiles(dpr: number): DrawTile[] {
    return (this._tiles ?? []).map((t, i) => {
      const r = this._rects[i];
      const x = Math.round(r.x * dpr);
      const y = Math.round(r.y * dpr);
      return {
        layers: t.layers,
        rois: t.rois,
        rect: {
          x,
          y,
          width: Math.max(1, Math.round((r.x + r.width) * dpr) - x),
          height: Math.max(1, Math.round((r.y + r.height) * dpr) - y)
        }
      };
    });
  }

  /**
   * The tile under canvas point (x, y) in CSS px: its index, the point inside it, and the
   * layers drawn there (all drawn layers when not tiled); null in a gap between tiles.
   */
  at(
    x: number,
    y: number,
    drawn: readonly DrawLayer[]
  ): { x: number; y: number; layers: readonly DrawLayer[] } | null {
    const i = tileAt(this._rects, x, y);
    if (!this._tiles) return { x, y, layers: drawn };
    if (i < 0) return null;
    const r = this._rects[i];
    return { x: x - r.x, y: y - r.y, layers: this._tiles[i].layers };
  }

  /** Labels and image outlines over each tile, where the camera puts the image in it. */
  place(camera: Camera, imageW: number, imageH: number): void {
    const tiles = this._tiles ?? [];
    while (this.node.children.length > tiles.length * 2) this.node.lastElementChild!.remove();
    tiles.forEach((tile, i) => {
      const r = this._rects[i];
      let outline = this.node.children[2 * i] as HTMLElement | undefined;
      let label = this.node.children[2 * i + 1] as HTMLElement | undefined;
      if (!outline || !label) {
        outline = el('div', 'outline'); // the single view's frame style
        outline.classList.add(`${PREFIX}-tile-outline`);
        label = el('div', 'tile-label', { 'data-testid': testId('tile-label') });
        this.node.append(outline, label);
      }
      label.textContent = tile.label;
      label.dataset.tile = String(i);
      label.title = tile.layers.map(l => l.label).join(', ') || `${tile.label}: nothing here`;
      // top right of its tile: the overlay has the top left, channel mode the bottom left
      label.style.left = `${r.x + r.width - 6}px`;
      label.style.top = `${r.y + 6}px`;
      const [left, top] = camera.toScreen(0, 0, r.width, r.height);
      const [right, bottom] = camera.toScreen(imageW, imageH, r.width, r.height);
      // the outline stays inside its tile, as the image does (scissored)
      const x0 = Math.max(0, left);
      const y0 = Math.max(0, top);
      const x1 = Math.min(r.width, right);
      const y1 = Math.min(r.height, bottom);
      outline.hidden = imageW === 0 || x1 <= x0 || y1 <= y0;
      Object.assign(outline.style, {
        left: `${r.x + x0}px`,
        top: `${r.y + y0}px`,
        width: `${x1 - x0}px`,
        height: `${y1 - y0}px`
      });
    });
  }

  private _tiles: ViewTile[] | null = null;
  private _rects: TileRect[] = [];
}
