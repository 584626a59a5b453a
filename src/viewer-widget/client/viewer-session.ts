/**
 * ViewerSession: ties the model to the server. It feeds server state and events into the
 * ViewerModel, decides which planes the current position needs at which size, serves them
 * from the PlaneCache or fetches them (panel-sized first, larger when zoomed in or idle),
 * and says which plane each visible layer shows. No DOM: the view asks `shown` and paints.
 */
import { Signal, type ISignal } from '@lumino/signaling';
import type { Component } from '../../protocol/components.js';
import { bytesPerElement } from '../../protocol/dtype.js';
import type { LayerInfo, ViewerEvent } from '../../protocol/viewer-api.js';
import type { ViewerModel, VisiblePlane } from '../model/viewer-model.js';
import { planeSize, type AxisValue, type Plane } from '../model/plane.js';
import type { ViewerStats } from '../tokens.js';
import { PlaneLoader, type PlaneRequest } from './plane-loader.js';
import type { ServerConnection, StateNotice } from './server-connection.js';
import { planeKey } from '../model/axis-values.js';

/**
 * A plane not in the browser yet is first fetched at most this big (≈128 KiB of uint16),
 * so it is painted within a round trip; the panel-sized level follows right after.
 */
const PREVIEW_PX = 256;
/** After this long without moves or new planes, visible planes are refined to full size. */
const IDLE_REFINE_MS = 1000;
/** Idle refinement never fetches a plane bigger than this (the browser link is slow). */
const IDLE_REFINE_MAX_BYTES = 32 * 1024 * 1024;

export class ViewerSession {
  readonly loader: PlaneLoader;
  /** Larger side of the first request for a plane not in the browser; 0: the needed size at once. */
  previewPx = PREVIEW_PX;

  constructor(
    readonly model: ViewerModel,
    readonly connection: ServerConnection
  ) {
    this.loader = new PlaneLoader(() => connection.baseUrl, connection.fetch);
    connection.stateReceived.connect(this._onState, this);
    connection.eventReceived.connect(this._onEvent, this);
    connection.statusChanged.connect(this._emitStats, this);
    connection.errorOccurred.connect((_, msg) => this._error.emit(msg));
    model.dims.changed.connect((_, change) => {
      if (change.byUser) this._noteAxis();
      else this._lastPosition = model.dims.position();
      this._moved();
    }, this);
    model.layers.changed.connect((_, change) => {
      if (change.kind !== 'info') this._schedule();
    }, this);
    model.channels.changed.connect(() => this._schedule(), this); // a channel shown or hidden
    model.planeUpdated.connect((_, notice) => {
      this._revisions.set(planeKey(notice.layer, notice.values), notice.revision);
      const visible = model
        .visiblePlanes()
        .some(
          v => v.layer.key === notice.layer && v.values.every((x, i) => x === notice.values[i])
        );
      if (visible) this._moved(); // a visible plane was replaced: refine again once idle
    }, this);
    model.statsChanged.connect(this._emitStats, this);
    model.reset.connect(() => {
      this._revisions.clear();
      this.loader.cancelAll();
      this._shown.clear();
      this._changed.emit();
    }, this);
  }

  /** Something to paint changed: a plane arrived or the position moved. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get statsChanged(): ISignal<this, ViewerStats> {
    return this._statsChanged;
  }

  get errorOccurred(): ISignal<this, string> {
    return this._error;
  }

  /**
   * The plane each visible layer shows now (may be an older one until the new arrives), by
   * `VisiblePlane.drawKey`: the layer key, or layer and channel of a composite.
   */
  get shown(): ReadonlyMap<string, Plane> {
    return this._shown;
  }

  /** Planes put on screen so far (a test hook: scrubbing must keep painting new planes). */
  get planesShown(): number {
    return this._planesShown;
  }

  /** True while some visible layer waits for the plane at the current position. */
  get loading(): boolean {
    return this._loading;
  }

  get stats(): ViewerStats {
    const now = Date.now();
    while (this._paints.length && this._paints[0] < now - 1000) this._paints.shift();
    const server = this.model.serverStats;
    return {
      status: this.connection.status,
      fps: this._paints.length,
      drops: this.loader.drops,
      serverDropped: server ? server.counters.dropped : -1,
      imagesPerSecond: server ? server.imagesPerSecond : -1,
      producersByHost: server?.counters.remote_producers ?? {}
    };
  }

  /**
   * Size of the panel in device pixels (larger side), and device pixels per full-resolution
   * image pixel (null before the camera is placed). Planes are requested at this size.
   */
  setViewport(viewportPx: number, scale: number | null): void {
    const v = Math.max(1, Math.round(viewportPx));
    if (v === this._viewportPx && scale === this._scale) return;
    const grew = v > this._viewportPx || (scale ?? 0) > (this._scale ?? 0);
    this._viewportPx = v;
    this._scale = scale;
    if (grew) this.update();
  }

  /** The view painted a frame (for the fps figure). */
  notePainted(): void {
    this._paints.push(Date.now());
    if (this._paints.length > 240) this._paints.splice(0, this._paints.length - 240);
  }

  /** Larger side wanted for a layer of full size `full` at the current zoom. */
  wantedSize(full: number): number {
    const onScreen = this._scale === null ? this._viewportPx : Math.ceil(full * this._scale);
    return Math.max(1, Math.min(full, onScreen));
  }

  /** True while the single view is covered (the plate grid is shown): nothing is fetched. */
  get paused(): boolean {
    return this._paused;
  }

  /**
   * Pause while something covers the single view (the plate grid): its planes, their
   * refinement and guesses ahead are not fetched, and requests waiting or in flight are
   * given up, so the grid's thumbnails have the server and the link to themselves (a
   * 4-channel first well's full-size refinement, 4 × 8 MiB, doubled a 384-well grid's
   * load). Resuming fetches what the position needs again.
   */
  setPaused(paused: boolean): void {
    if (paused === this._paused || this._disposed) return;
    this._paused = paused;
    if (paused) {
      clearTimeout(this._idleTimer);
      this.loader.cancelAll();
    } else this._moved();
  }

  /** Bring `shown` up to date with the position; fetch what is missing. */
  update(): void {
    if (this._disposed || this._paused) return;
    const refine = this._refined;
    const wanted = new Set<string>();
    const visible = this.model.visiblePlanes();
    const keys = new Set(visible.map(v => v.drawKey));
    let changed = false;
    let loading = false;
    for (const key of [...this._shown.keys()]) {
      if (!keys.has(key)) {
        this._shown.delete(key);
        changed = true;
      }
    }
    // While a visible plane has nothing to show yet, the others wait to grow: a composite's
    // first well showed its last channel's preview after the first channels' panel-sized
    // reads (8× the bytes, a deeper level on disk) had taken the server.
    const missing = visible.some(v => !this.model.cache.best(v.layer.key, v.values, 1));
    for (const v of visible) {
      const { layer, values } = v;
      const axes = axisNames(layer.info);
      const full = Math.max(layer.info.shape[0], layer.info.shape[1]);
      let size = this.wantedSize(full);
      const bytesFull =
        layer.info.shape[0] * layer.info.shape[1] * bytesPerElement(layer.info.dtype);
      if (refine && bytesFull <= IDLE_REFINE_MAX_BYTES) size = full;
      const cached = this.model.cache.best(layer.key, values, size);
      // no preview when the full-size plane is already on its way (fetched ahead)
      const lane = v.drawKey; // a composite's channels load side by side
      const ahead: PlaneRequest = { layer: layer.key, axes, values, max: size, lane };
      if (!cached && this.loader.isLoading(ahead)) {
        this.loader.loadLatest(ahead).catch(() => {}); // now needed: never aborted
        wanted.add(PlaneLoader.key(ahead));
        loading = true;
        continue;
      }
      if (!cached && this.previewPx > 0) size = Math.min(size, this.previewPx);
      if (cached && this._shown.get(v.drawKey) !== cached) {
        this._show(cached, v);
        changed = true;
      }
      const good = cached && (planeSize(cached) >= size || cached.level === 0);
      if (!good && !(cached && missing)) {
        const req: PlaneRequest = { layer: layer.key, axes, values, max: size, lane };
        wanted.add(PlaneLoader.key(req));
        if (!cached) loading = true;
        this._request(req);
      }
    }
    const ahead = this._neighbours();
    this.loader.keepOnly(new Set([...wanted, ...ahead.map(r => PlaneLoader.key(r))]));
    if (wanted.size === 0) for (const req of ahead) this._prefetch(req);
    if (loading !== this._loading) changed = true; // the view shows the loading state too
    this._loading = loading;
    if (changed) this._changed.emit();
  }

  /** Drop what the browser holds (cache, planes shown); fetched again on the next move or plane. */
  clear(): void {
    this.loader.cancelAll();
    this.model.cache.clear();
    this._shown.clear();
    this._changed.emit();
  }

  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    clearTimeout(this._idleTimer);
    clearInterval(this._statsTimer);
    this.loader.cancelAll();
    Signal.clearData(this);
  }

  /**
   * The planes one step before and after the current position on the axis the user moved
   * last, at the size they would be shown, if not in the browser yet. Fetched once the
   * current position is complete, so stepping (buttons, keys, play) finds them cached.
   */
  private _neighbours(): PlaneRequest[] {
    const axisName = this._lastAxis;
    const dims = this.model.dims;
    const axis = axisName && dims.axis(axisName);
    if (!axis || axis.values.length < 2 || dims.followNewest) return [];
    const out: PlaneRequest[] = [];
    const n = axis.values.length;
    const here = dims.index(axis.name);
    const steps = n === 2 ? [1] : [1, -1];
    for (const step of steps) {
      const position = { ...dims.position(), [axis.name]: axis.values[(here + step + n) % n] };
      for (const layer of this.model.layers) {
        if (!layer.visible || layer.info.image_count === 0) continue;
        const index = layer.indexAt(position);
        const values = index && layer.valuesOf(index);
        if (!index || !values) continue;
        const size = this.wantedSize(Math.max(layer.info.shape[0], layer.info.shape[1]));
        const cached = this.model.cache.best(layer.key, values, size);
        if (cached && (planeSize(cached) >= size || cached.level === 0)) continue;
        out.push({ layer: layer.key, axes: axisNames(layer.info), values, max: size });
      }
    }
    return out;
  }

  private _prefetch(req: PlaneRequest): void {
    if (this.loader.isLoading(req)) return;
    const generation = this.model.server?.generation;
    this.loader.load(req, { prefetch: true }).then(
      plane => {
        if (this._disposed || this.model.server?.generation !== generation) return;
        const known = this._revisions.get(planeKey(plane.layer, plane.values)) ?? -1;
        if (plane.revision < known) return;
        this.model.cache.put(plane);
        this._schedule(); // the user may have stepped onto it meanwhile
      },
      () => {
        // given up because the position moved on, or failed: it is only a guess ahead
      }
    );
  }

  /**
   * Update once after a burst: the server sends a coalesced batch of events as separate
   * messages, and following each one with a request would only abort the previous one.
   */
  private _schedule(): void {
    if (this._scheduled || this._disposed) return;
    this._scheduled = true;
    setTimeout(() => {
      this._scheduled = false;
      this.update();
    }, 0);
  }

  private _request(req: PlaneRequest): void {
    if (this.loader.isLoading(req)) return;
    const generation = this.model.server?.generation;
    this.loader.loadLatest(req).then(
      plane => {
        if (this._disposed || this.model.server?.generation !== generation) return;
        // fetched while the server replaced the image: drop it, update() asks again
        const known = this._revisions.get(planeKey(plane.layer, plane.values)) ?? -1;
        if (plane.revision < known) {
          this.update();
          return;
        }
        this.model.cache.put(plane);
        this.update();
        // a plane larger than the cache budget is not cached; show it anyway if still wanted.
        // While scrubbing, a plane the slider passed is newer than the one shown: paint it
        // until the current position's plane arrives (the newest plane that could finish).
        const as = this.model.shownAs(plane.layer, plane.values);
        const shown = as && this._shown.get(as.drawKey);
        if (as && (!shown || !this._stillWanted(shown))) {
          this._show(plane, as);
          this._changed.emit();
        }
      },
      (err: Error) => {
        if (err.name !== 'AbortError' && !this._disposed) this._error.emit(err.message);
      }
    );
  }

  private _stillWanted(plane: Plane): boolean {
    return this.model
      .visiblePlanes()
      .some(v => v.layer.key === plane.layer && v.values.every((x, i) => x === plane.values[i]));
  }

  /** Show a plane as `as` (a layer, or a channel of a composite) says. */
  private _show(plane: Plane, as: VisiblePlane): void {
    if (this._shown.get(as.drawKey) !== plane) this._planesShown++;
    this._shown.set(as.drawKey, plane);
    this.model.initContrast(as, plane.data);
  }

  /** Remember which axis the user moved, for fetching its neighbours ahead. */
  private _noteAxis(): void {
    const position = this.model.dims.position();
    for (const [name, value] of Object.entries(position)) {
      if (this._lastPosition[name as Component] !== value) this._lastAxis = name as Component;
    }
    this._lastPosition = position;
  }

  /** The position moved or a visible plane changed: fetch, and refine once idle. */
  private _moved(): void {
    this._lastActivity = Date.now();
    this._refined = false;
    this._schedule();
    clearTimeout(this._idleTimer);
    this._idleTimer = setTimeout(() => this._refineIfIdle(), IDLE_REFINE_MS);
  }

  private _refineIfIdle(): void {
    if (this._disposed || this._paused) return;
    const quiet = Date.now() - this._lastActivity;
    if (quiet < IDLE_REFINE_MS) {
      this._idleTimer = setTimeout(() => this._refineIfIdle(), IDLE_REFINE_MS - quiet);
      return;
    }
    this._refined = true;
    this.update();
  }

  private _onState(_: ServerConnection, notice: StateNotice): void {
    if (notice.restarted) {
      this.loader.cancelAll();
      this.model.cache.clear();
      this._shown.clear();
    }
    this.model.applyState(notice.state);
    this.update();
    this._changed.emit();
    if (this._statsTimer === undefined) {
      this._statsTimer = setInterval(() => this._emitStats(), 1000);
      (this._statsTimer as { unref?: () => void }).unref?.(); // never keeps Node alive
    }
  }

  private _onEvent(_: ServerConnection, event: ViewerEvent): void {
    this.model.applyEvent(event);
  }

  private _emitStats(): void {
    if (!this._disposed) this._statsChanged.emit(this.stats);
  }

  private _scheduled = false;
  private _paused = false;
  private _lastAxis: Component | null = null;
  private _lastPosition: Partial<Record<Component, AxisValue>> = {};
  /** Newest revision announced per plane, to recognise replies that raced a replacement. */
  private _revisions = new Map<string, number>();
  private _shown = new Map<string, Plane>();
  private _planesShown = 0;
  private _loading = false;
  /** Idle since the last move: fetch visible planes at full size. */
  private _refined = false;
  private _viewportPx = 512;
  private _scale: number | null = null;
  private _paints: number[] = [];
  private _lastActivity = 0;
  private _idleTimer: ReturnType<typeof setTimeout> | undefined;
  private _statsTimer: ReturnType<typeof setInterval> | undefined;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
  private _statsChanged = new Signal<this, ViewerStats>(this);
  private _error = new Signal<this, string>(this);
}

/** The layer's axis names in the order of its values (plane requests name values by axis). */
function axisNames(info: LayerInfo): Component[] {
  return info.axes.map(axis => axis.name);
}
