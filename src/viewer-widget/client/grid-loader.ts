/**
 * GridLoader: the planes of the grid view. For each well on the plate, the plane each
 * visible layer shows there, at a level sized to a grid cell. Served from the PlaneCache
 * when it holds one big enough; fetched otherwise with one `api/thumbnails` request per
 * layer and channel (every well at once, the current well's batch first): one request per
 * well and channel took 6.35 s for a 96-well × 3-channel plate through the proxy's six
 * connections. At most GRID_IN_FLIGHT requests at a time so the single view's requests
 * are never queued behind the grid's. A layer without a well axis (the same plane in every
 * well) is fetched once through `api/plane`. A well the server could not read (a damaged
 * chunk of a plate on disk: the reply's `failed`) keeps its reason until its plane arrives,
 * so its tile says why it is empty.
 */
import { Signal, type ISignal } from '@lumino/signaling';
import { MAX_THUMBNAIL_BYTES, MAX_THUMBNAILS_PER_REQUEST } from '../../protocol/limits.js';
import { BYTES_PER_PIXEL, decodeThumbnails, thumbnailsUrl } from '../../protocol/thumbnails.js';
import type { LayerInfo, PlanePosition } from '../../protocol/viewer-api.js';
import { WELL_AXIS, type GridModel, type GridPlane } from '../model/grid.js';
import { planeKey } from '../model/axis-values.js';
import { planeSize, type AxisValue, type Plane } from '../model/plane.js';
import type { ViewerModel } from '../model/viewer-model.js';
import { PlaneLoader, type PlaneRequest } from './plane-loader.js';

/** Grid requests in flight at once. */
export const GRID_IN_FLIGHT = 6;

/** A batch not answered within this is given up (its tiles stay empty until asked again). */
const THUMBNAILS_TIMEOUT_MS = 30_000;

/** Where thumbnails come from: the ServerConnection (its fetch adds the browser token). */
export interface ThumbnailSource {
  readonly baseUrl: string;
  readonly fetch: typeof fetch;
}

export interface GridTilePlane<P extends GridPlane> {
  shown: P;
  plane: Plane;
}

/** One request: a layer's wells at one position of its other axes. */
interface Batch {
  layer: string;
  info: LayerInfo;
  /** The plane's values with the well's slot to fill in. */
  values: AxisValue[];
  wellSlot: number;
  max: number;
  wells: AxisValue[];
}

/** What a request brought: planes, and those the server could not read with its reason. */
interface Got {
  planes: Plane[];
  failed: { values: AxisValue[]; error: string }[];
}

/** A plane that is the same in every well (its layer has no well axis). */
type SingleJob = { single: PlaneRequest; wells: AxisValue[] };
type Job = { batch: Batch } | SingleJob;

export class GridLoader<P extends GridPlane = GridPlane> {
  constructor(
    private readonly _model: ViewerModel,
    private readonly _loader: PlaneLoader,
    private readonly _grid: GridModel<P>,
    private readonly _source: ThumbnailSource
  ) {}

  /** A well's planes arrived (the view redraws that tile). */
  get wellLoaded(): ISignal<this, AxisValue> {
    return this._wellLoaded;
  }

  /** Grid requests that failed (HTTP errors, bad replies, timeouts). */
  get failures(): number {
    return this._failures;
  }

  /**
   * Why `well`'s tile cannot be drawn ("layer: reason"), if the server failed to read one of
   * the planes it shows there; undefined otherwise.
   */
  failure(well: AxisValue): string | undefined {
    for (const { layer, values } of this._grid.planesOf(well)) {
      const why = this._failed.get(planeKey(layer.key, values));
      if (why !== undefined) return why;
    }
    return undefined;
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
    const batches = new Map<string, Batch>();
    const singles = new Map<string, SingleJob>();
    for (const cell of cells) {
      for (const { layer, values } of this._grid.planesOf(cell.well)) {
        const max = Math.min(size, fullSize(layer.info));
        const cached = this._model.cache.best(layer.key, values, max);
        if (cached && (planeSize(cached) >= max || cached.level === 0)) continue;
        const axes = axisNames(layer.info);
        const req = { layer: layer.key, axes, values, max };
        if (this._inFlight.has(PlaneLoader.key(req))) continue;
        const wellSlot = axes.indexOf(WELL_AXIS);
        if (wellSlot < 0) {
          // the same plane in every well: fetched once, every well redrawn when it comes
          const key = PlaneLoader.key(req);
          if (!singles.has(key)) singles.set(key, { single: req, wells: [] });
          singles.get(key)!.wells.push(cell.well);
          continue;
        }
        const id = JSON.stringify([
          layer.key,
          values.map((v, i) => (i === wellSlot ? null : v)),
          max
        ]);
        let batch = batches.get(id);
        if (!batch) {
          batch = {
            layer: layer.key,
            info: layer.info,
            values: [...values],
            wellSlot,
            max,
            wells: []
          };
          batches.set(id, batch);
        }
        batch.wells.push(values[wellSlot]);
      }
    }
    this._queue = [
      ...singles.values(),
      ...[...batches.values()].flatMap(split).map(batch => ({ batch }))
    ];
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
    while (!this._disposed && this._running < GRID_IN_FLIGHT && this._queue.length) {
      const job = this._queue.shift()!;
      const keys = 'single' in job ? [PlaneLoader.key(job.single)] : batchKeys(job.batch);
      if (keys.some(key => this._inFlight.has(key))) continue;
      keys.forEach(key => this._inFlight.add(key));
      this._running++;
      const generation = this._model.server?.generation;
      const planes: Promise<Got> =
        'single' in job
          ? this._loader.load(job.single).then(p => ({ planes: [p], failed: [] }))
          : this._fetch(job.batch);
      planes
        .then(
          got => {
            if (this._disposed || this._model.server?.generation !== generation) return;
            if (generation !== this._failedGeneration) {
              this._failed.clear(); // a cleared or restarted server: reasons of another plate
              this._failedGeneration = generation;
            }
            for (const plane of got.planes) {
              this._model.cache.put(plane);
              this._failed.delete(planeKey(plane.layer, plane.values));
            }
            for (const { values, error } of got.failed) {
              const layer = 'single' in job ? job.single.layer : job.batch.layer;
              this._failed.set(planeKey(layer, values), `${layer}: ${error}`);
            }
            const wells = 'single' in job ? job.wells : job.batch.wells;
            for (const well of wells) this._wellLoaded.emit(well);
          },
          () => {
            // failed or cancelled by a clear: the tiles stay empty until asked again
            this._failures++;
          }
        )
        .finally(() => {
          keys.forEach(key => this._inFlight.delete(key));
          this._running--;
          this._pump();
        });
    }
  }

  private async _fetch(batch: Batch): Promise<Got> {
    const at: PlanePosition = {};
    batch.info.axes.forEach((axis, i) => {
      if (i !== batch.wellSlot) at[axis.name] = batch.values[i];
    });
    const url = thumbnailsUrl(this._source.baseUrl, batch.layer, at, batch.max, batch.wells);
    const res = await this._source.fetch(url, {
      signal: AbortSignal.timeout(THUMBNAILS_TIMEOUT_MS)
    });
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw new Error(`GET thumbnails ${batch.layer}: HTTP ${res.status} ${text.slice(0, 200)}`);
    }
    const { header, pixels } = decodeThumbnails(await res.arrayBuffer());
    const failed = (header.failed ?? []).map(({ well, error }) => {
      const values = [...batch.values];
      values[batch.wellSlot] = well;
      return { values, error };
    });
    const planes = header.planes.map((p, i) => {
      const values = [...batch.values];
      values[batch.wellSlot] = p.well;
      return {
        layer: batch.layer,
        values,
        level: p.level,
        revision: p.revision,
        shape: p.shape,
        dtype: p.dtype,
        data: pixels[i].slice() // its own buffer: the cache counts and frees planes one by one
      };
    });
    return { planes, failed };
  }

  /** Plane (layer and axis values) → why the server could not read it. */
  private _failed = new Map<string, string>();
  private _failedGeneration: number | undefined;
  private _queue: Job[] = [];
  private _inFlight = new Set<string>();
  private _running = 0;
  private _failures = 0;
  private _disposed = false;
  private _wellLoaded = new Signal<this, AxisValue>(this);
}

/** A batch in requests the server accepts: its caps on wells and on bytes of pixels. */
function split(batch: Batch): Batch[] {
  // a level the server picks for `max` has sides < 2 × max (or is full size)
  const [h, w] = batch.info.shape;
  const side = 2 * batch.max;
  const perWell = Math.min(h, side) * Math.min(w, side) * BYTES_PER_PIXEL[batch.info.dtype];
  const n = Math.max(
    1,
    Math.min(MAX_THUMBNAILS_PER_REQUEST, Math.floor(MAX_THUMBNAIL_BYTES / perWell))
  );
  const out: Batch[] = [];
  for (let i = 0; i < batch.wells.length; i += n)
    out.push({ ...batch, wells: batch.wells.slice(i, i + n) });
  return out;
}

function batchKeys(batch: Batch): string[] {
  return batch.wells.map(well => {
    const values = [...batch.values];
    values[batch.wellSlot] = well;
    return PlaneLoader.key({ layer: batch.layer, values, max: batch.max });
  });
}

function fullSize(info: LayerInfo): number {
  return Math.max(info.shape[0], info.shape[1]);
}

function axisNames(info: LayerInfo): PlaneRequest['axes'] {
  return info.axes.map(axis => axis.name);
}
