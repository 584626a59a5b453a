/**
 * GridLoader: the planes of the grid view. For each well on the plate, the plane each
 * visible layer shows there, at a level sized to a grid cell (`api/plane?max=` makes the
 * server send its smallest level at least that big). Served from the PlaneCache when it
 * holds one big enough; fetched otherwise, the current well first, at most
 * GRID_IN_FLIGHT requests at a time so the single view's requests are never queued behind
 * a hundred thumbnails.
 */
import { Signal, type ISignal } from '@lumino/signaling';
import type { LayerInfo } from '../../protocol/viewer-api.js';
import type { GridModel, GridPlane } from '../model/grid.js';
import { planeSize, type AxisValue, type Plane } from '../model/plane.js';
import type { ViewerModel } from '../model/viewer-model.js';
import { PlaneLoader, type PlaneRequest } from './plane-loader.js';

/** Thumbnail requests in flight at once. */
export const GRID_IN_FLIGHT = 6;

export interface GridTilePlane<P extends GridPlane> {
  shown: P;
  plane: Plane;
}

export class GridLoader<P extends GridPlane = GridPlane> {
  constructor(
    private readonly _model: ViewerModel,
    private readonly _loader: PlaneLoader,
    private readonly _grid: GridModel<P>
  ) {}

  /** A well's planes arrived (the view redraws that tile). */
  get wellLoaded(): ISignal<this, AxisValue> {
    return this._wellLoaded;
  }

  /**
   * The planes of `well` at tile size `px`, from the cache; null while any visible layer's
   * plane there is missing (the view then draws the tile empty, not half composed).
   */
  tile(well: AxisValue, px: number): GridTilePlane<P>[] | null {
    const out: GridTilePlane<P>[] = [];
    for (const shown of this._grid.planesOf(well)) {
      const plane = this._model.cache.best(shown.layer.key, shown.values, px);
      if (!plane) return null;
      out.push({ shown, plane });
    }
    return out;
  }

  /** Fetch what the grid misses at tile size `px` (replaces the previous wish list). */
  request(px: number): void {
    const size = Math.max(1, Math.round(px));
    const current = this._grid.currentWell;
    const cells = [...this._grid.layout().cells];
    // the current well first: the user looks there before anywhere else
    cells.sort((a, b) => Number(b.well === current) - Number(a.well === current));
    this._queue = [];
    for (const cell of cells) {
      for (const { layer, values } of this._grid.planesOf(cell.well)) {
        const max = Math.min(size, fullSize(layer.info));
        const cached = this._model.cache.best(layer.key, values, max);
        if (cached && (planeSize(cached) >= max || cached.level === 0)) continue;
        const req = { layer: layer.key, axes: axisNames(layer.info), values, max };
        if (!this._inFlight.has(PlaneLoader.key(req))) this._queue.push({ well: cell.well, req });
      }
    }
    this._pump();
  }

  /** The grid closed: fetch nothing more (requests in flight complete into the cache). */
  stop(): void {
    this._queue = [];
  }

  dispose(): void {
    this._disposed = true;
    this.stop();
    Signal.clearData(this);
  }

  private _pump(): void {
    while (!this._disposed && this._inFlight.size < GRID_IN_FLIGHT && this._queue.length) {
      const { well, req } = this._queue.shift()!;
      const key = PlaneLoader.key(req);
      if (this._inFlight.has(key)) continue;
      this._inFlight.add(key);
      const generation = this._model.server?.generation;
      this._loader.load(req).then(
        plane => {
          this._inFlight.delete(key);
          if (this._disposed || this._model.server?.generation !== generation) return;
          this._model.cache.put(plane);
          this._wellLoaded.emit(well);
          this._pump();
        },
        () => {
          // failed (counted as a drop by the loader) or cancelled by a clear: the tile stays empty
          this._inFlight.delete(key);
          this._pump();
        }
      );
    }
  }

  private _queue: { well: AxisValue; req: PlaneRequest }[] = [];
  private _inFlight = new Set<string>();
  private _disposed = false;
  private _wellLoaded = new Signal<this, AxisValue>(this);
}

function fullSize(info: LayerInfo): number {
  return Math.max(info.shape[0], info.shape[1]);
}

function axisNames(info: LayerInfo): PlaneRequest['axes'] {
  return info.axes.map(axis => axis.name);
}
