/**
 * GridView: the plate overview over the canvas. One 2-D canvas with a thumbnail per well,
 * laid out as the plate (row letters on the left, column numbers on top), each showing the
 * visible layers at the current position on the other axes, drawn as the canvas draws
 * them. Clicking a well steps into it (single view). Owns its toggle button, which the host
 * places. Tiles are redrawn only when their planes arrive, or all on a move or restyle.
 */
import { Signal, type ISignal } from '@lumino/signaling';
import type { GridLoader } from '../client/grid-loader.js';
import type { GridCell, GridLayout, GridModel, GridPlane } from '../model/grid.js';
import type { AxisValue } from '../model/plane.js';
import { composeThumbnail, type ThumbnailLayer } from '../model/thumbnail.js';
import type { ViewerModel } from '../model/viewer-model.js';
import { el, testId } from './dom.js';

/** How a layer is drawn on the canvas (the host knows: contrast, colormap, opacity, gamma). */
export type LayerStyle = Pick<ThumbnailLayer, 'contrast' | 'colormap' | 'opacity' | 'gamma'>;

/** Room for the row letters and column numbers, in CSS px. */
const LABEL_PX = 18;
/** Gap between tiles, in CSS px. */
const GAP_PX = 2;

interface Geometry {
  layout: GridLayout;
  /** Device px: cell pitch, tile side, origin of cell (0, 0). */
  pitch: number;
  tile: number;
  x0: number;
  y0: number;
}

export class GridView<P extends GridPlane = GridPlane> {
  readonly node: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  /** "Grid" button: switches between the single view and the grid. */
  readonly toggle: HTMLButtonElement;

  constructor(
    model: ViewerModel,
    private readonly _grid: GridModel<P>,
    private readonly _loader: GridLoader<P>,
    private readonly _styleOf: (shown: P) => LayerStyle
  ) {
    this.node = el('div', 'grid', { 'data-testid': testId('grid') });
    this.node.hidden = true;
    this.canvas = el('canvas', 'grid-canvas', {
      'data-testid': testId('grid-canvas'),
      'data-painted': '0',
      'data-failed': '0',
      'data-wells': '0'
    });
    this.node.append(this.canvas);
    this.toggle = el(
      'button',
      'grid-toggle',
      {
        'data-testid': testId('grid-toggle'),
        title: 'Plate overview: a thumbnail per well (G)',
        'aria-pressed': 'false'
      },
      'Grid'
    );
    this.toggle.addEventListener('click', () => this.setShown(!this.shown));
    this.canvas.addEventListener('click', e => this._onClick(e));
    this.canvas.addEventListener('pointermove', e => {
      const cell = this._cellAt(e);
      const failed = cell && this._loader.failure(cell.well);
      this.canvas.title = !cell
        ? ''
        : failed
          ? `${cell.label} — cannot be read: ${failed}`
          : `${cell.label} — click to open`;
    });
    model.dims.changed.connect(this._onDims, this);
    model.layers.changed.connect(this._invalidate, this);
    model.planeUpdated.connect(this._invalidate, this);
    model.reset.connect(this._invalidate, this);
    _loader.wellLoaded.connect((_, well) => this._dirtyWell(well), this);
    this._updateToggle();
  }

  get shown(): boolean {
    return !this.node.hidden;
  }

  /** Emitted when the grid is shown or hidden. */
  get shownChanged(): ISignal<this, boolean> {
    return this._shownChanged;
  }

  setShown(on: boolean): void {
    on = on && this._grid.available;
    if (on === this.shown) return;
    this.node.hidden = !on;
    this.toggle.setAttribute('aria-pressed', String(on));
    this.toggle.classList.toggle('jp-mod-active', on);
    if (on) {
      // ask at once: the first paint waits for a frame, which a software GPU may still be
      // drawing (the single view's last paint)
      this._geom = this._geometry();
      if (this._geom) this._loader.request(this._geom.tile);
      this._invalidate();
    } else this._loader.stop();
    this._shownChanged.emit(on);
  }

  /** Redraw everything on the next frame (size, position or display changed). */
  schedulePaint(): void {
    this._all = true;
    this._schedule();
  }

  dispose(): void {
    this._disposed = true;
    if (this._frame) cancelAnimationFrame(this._frame);
    Signal.clearData(this);
  }

  private _onDims(): void {
    this._updateToggle();
    if (!this._grid.available) this.setShown(false);
    this._invalidate();
  }

  private _updateToggle(): void {
    this.toggle.disabled = !this._grid.available;
  }

  private _invalidate(): void {
    if (!this.shown) return;
    this.schedulePaint();
  }

  private _dirtyWell(well: AxisValue): void {
    if (!this.shown) return;
    this._dirty.add(well);
    this._schedule();
  }

  private _schedule(): void {
    if (this._frame !== 0 || this._disposed) return;
    this._frame = requestAnimationFrame(() => {
      this._frame = 0;
      this._paint();
    });
  }

  private _geometry(): Geometry | null {
    const dpr = globalThis.devicePixelRatio || 1;
    const w = Math.round(this.node.clientWidth * dpr);
    const h = Math.round(this.node.clientHeight * dpr);
    if (w === 0 || h === 0) return null;
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    const layout = this._grid.layout();
    const label = LABEL_PX * dpr;
    const pitch = Math.max(
      2,
      Math.floor(Math.min((w - label) / layout.cols, (h - label) / layout.rows))
    );
    const tile = Math.max(1, pitch - Math.round(GAP_PX * dpr));
    // centred in the space right of and below the labels
    const x0 = Math.floor(label + (w - label - pitch * layout.cols) / 2);
    const y0 = Math.floor(label + (h - label - pitch * layout.rows) / 2);
    return { layout, pitch, tile, x0, y0 };
  }

  private _paint(): void {
    if (!this.shown || this._disposed) return;
    // a canvas in memory, not on the GPU: each tile is one putImageData, and on a GPU canvas
    // each is an upload of its own (384 of them for a 384-well plate)
    const ctx = this.canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) return;
    const all = this._all || !this._geom;
    if (all) {
      this._geom = this._geometry();
      this._painted.clear();
      this._failedWells.clear();
    }
    const g = this._geom;
    if (!g) return;
    if (all) {
      ctx.fillStyle = '#000';
      ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
      this._drawLabels(ctx, g);
      this._loader.request(g.tile);
    }
    const dirty = this._dirty;
    for (const cell of g.layout.cells) {
      if (all || dirty.has(cell.well)) this._drawTile(ctx, g, cell);
    }
    this._all = false;
    this._dirty = new Set();
    this.canvas.dataset.wells = String(g.layout.cells.length);
    this.canvas.dataset.painted = String(this._painted.size);
    this.canvas.dataset.failed = String(this._failedWells.size);
    this.canvas.dataset.rows = String(g.layout.rows);
    this.canvas.dataset.cols = String(g.layout.cols);
    // where cell (0, 0) starts and the cell pitch, in CSS px (tests click a well by these)
    const dpr = globalThis.devicePixelRatio || 1;
    this.canvas.dataset.cells = JSON.stringify({
      x0: g.x0 / dpr,
      y0: g.y0 / dpr,
      pitch: g.pitch / dpr,
      tile: g.tile / dpr
    });
  }

  private _drawLabels(ctx: CanvasRenderingContext2D, g: Geometry): void {
    const dpr = globalThis.devicePixelRatio || 1;
    ctx.fillStyle = '#aaa';
    ctx.font = `${Math.round(Math.min(11 * dpr, g.pitch * 0.6))}px sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    g.layout.colNames.forEach((name, c) =>
      ctx.fillText(name, g.x0 + c * g.pitch + g.tile / 2, g.y0 - (LABEL_PX * dpr) / 2)
    );
    g.layout.rowNames.forEach((name, r) =>
      ctx.fillText(name, g.x0 - (LABEL_PX * dpr) / 2, g.y0 + r * g.pitch + g.tile / 2)
    );
  }

  private _drawTile(ctx: CanvasRenderingContext2D, g: Geometry, cell: GridCell): void {
    const x = g.x0 + cell.col * g.pitch;
    const y = g.y0 + cell.row * g.pitch;
    const planes = this._loader.tile(cell.well, g.tile);
    this._failedWells.delete(cell.well);
    if (planes && planes.length > 0) {
      const layers = planes.map(({ shown, plane }) => ({
        data: plane.data,
        shape: plane.shape,
        fullShape: shown.layer.info.shape as [number, number],
        ...this._styleOf(shown)
      }));
      const rgba = composeThumbnail(layers, g.tile);
      ctx.putImageData(new ImageData(rgba, g.tile, g.tile), x, y);
      this._painted.add(cell.well);
    } else if (this._loader.failure(cell.well)) {
      // the server could not read it (a damaged chunk): red, crossed; the tooltip says why
      ctx.fillStyle = '#4a1414';
      ctx.fillRect(x, y, g.tile, g.tile);
      ctx.strokeStyle = '#c04040';
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x + 2, y + 2);
      ctx.lineTo(x + g.tile - 2, y + g.tile - 2);
      ctx.moveTo(x + g.tile - 2, y + 2);
      ctx.lineTo(x + 2, y + g.tile - 2);
      ctx.stroke();
      this._failedWells.add(cell.well);
    } else {
      ctx.fillStyle = '#222'; // a well known to the plate, its planes not here yet
      ctx.fillRect(x, y, g.tile, g.tile);
    }
    // a faint frame: wells are told apart where their images are black at the edges
    ctx.strokeStyle = '#333';
    ctx.lineWidth = 1;
    ctx.strokeRect(x - 0.5, y - 0.5, g.tile + 1, g.tile + 1);
    if (cell.well === this._grid.currentWell) {
      const dpr = globalThis.devicePixelRatio || 1;
      ctx.strokeStyle = '#f0c040';
      ctx.lineWidth = Math.max(1, Math.round(2 * dpr));
      ctx.strokeRect(
        x + ctx.lineWidth / 2,
        y + ctx.lineWidth / 2,
        g.tile - ctx.lineWidth,
        g.tile - ctx.lineWidth
      );
    }
  }

  private _cellAt(e: MouseEvent): GridCell | null {
    const g = this._geom;
    if (!g) return null;
    const rect = this.canvas.getBoundingClientRect();
    const dpr = this.canvas.width / Math.max(1, rect.width);
    const col = Math.floor(((e.clientX - rect.left) * dpr - g.x0) / g.pitch);
    const row = Math.floor(((e.clientY - rect.top) * dpr - g.y0) / g.pitch);
    return g.layout.cells.find(c => c.row === row && c.col === col) ?? null;
  }

  private _onClick(e: MouseEvent): void {
    const cell = this._cellAt(e);
    if (!cell) return;
    this._grid.open(cell.well);
    this.setShown(false);
  }

  private _geom: Geometry | null = null;
  private _all = true;
  private _dirty = new Set<AxisValue>();
  private _painted = new Set<AxisValue>();
  /** Wells drawn as unreadable (the server's `failed`). */
  private _failedWells = new Set<AxisValue>();
  private _frame = 0;
  private _disposed = false;
  private _shownChanged = new Signal<this, boolean>(this);
}
