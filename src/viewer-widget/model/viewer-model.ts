/**
 * ViewerModel: Dims + LayerList + PlaneCache, kept in step with the viewer server's state
 * and events. No DOM. Server events change what exists (layers, axis values, planes); they
 * never touch what the user chose (position when not following, contrast, colormap).
 */
import { Signal, type ISignal } from '@lumino/signaling';
import type { Component } from '../../protocol/components.js';
import type { Counters } from '../../protocol/messages.js';
import type { ViewerEvent, ViewerState } from '../../protocol/viewer-api.js';
import type { PipelineViewerState } from '../tokens.js';
import { Dims } from './dims.js';
import type { Layer } from './layer.js';
import { LayerList } from './layer-list.js';
import { mergeAxes } from './merge-axes.js';
import { PlaneCache } from './plane-cache.js';
import type { AxisValue } from './plane.js';

/** A plane of a layer was stored or replaced on the server. */
export interface PlaneNotice {
  layer: string;
  values: AxisValue[];
  revision: number;
}

export interface ServerStats {
  counters: Counters;
  imagesPerSecond: number;
}

/** What is drawn for one visible layer at the current position. */
export interface VisiblePlane {
  layer: Layer;
  index: number[];
  values: AxisValue[];
}

export interface ServerIdentity {
  pid: number;
  startedAt: number;
  generation: number;
}

export class ViewerModel {
  readonly dims: Dims;
  readonly layers = new LayerList();
  readonly cache: PlaneCache;

  constructor(options: { followNewest?: boolean; cacheBytes?: number } = {}) {
    this.dims = new Dims({ followNewest: options.followNewest });
    this.cache = new PlaneCache(options.cacheBytes);
  }

  get planeUpdated(): ISignal<this, PlaneNotice> {
    return this._planeUpdated;
  }

  get statsChanged(): ISignal<this, ServerStats> {
    return this._statsChanged;
  }

  /** Emitted when the server restarted or was cleared: planes shown so far are gone. */
  get reset(): ISignal<this, void> {
    return this._reset;
  }

  get server(): ServerIdentity | null {
    return this._server ? { ...this._server } : null;
  }

  get serverStats(): ServerStats | null {
    return this._stats;
  }

  /** Full state (first connect, reconnect, `state` event). */
  applyState(state: ViewerState): void {
    const prev = this._server;
    const restarted =
      prev !== null && (prev.pid !== state.pid || prev.startedAt !== state.started_at);
    const cleared = prev !== null && !restarted && prev.generation !== state.generation;
    this._server = { pid: state.pid, startedAt: state.started_at, generation: state.generation };
    if (restarted || cleared) {
      this.cache.clear();
      this._reset.emit();
    }
    // A layer that changed while we were not listening (reconnect, a client that fell
    // behind) may have replaced planes we hold: its cached planes cannot be trusted.
    for (const info of state.layers) {
      const known = this.layers.get(info.key);
      if (known && known.info.revision !== info.revision) this.cache.dropLayer(info.key);
    }
    this.layers.sync(state.layers);
    this._updateAxes();
    // follow the layer that changed last
    let latest: Layer | undefined;
    for (const layer of this.layers) {
      if (layer.info.image_count > 0 && (!latest || layer.info.revision > latest.info.revision))
        latest = layer;
    }
    if (latest) this._follow(latest, latest.info.newest);
  }

  applyEvent(event: ViewerEvent): void {
    switch (event.type) {
      case 'state':
        this.applyState(event.state);
        return;
      case 'layer': {
        const known = this.layers.get(event.layer.key)?.info;
        // planes are padded to the layer's shape: a new shape or dtype outdates every cached one
        if (
          known &&
          (known.shape[0] !== event.layer.shape[0] ||
            known.shape[1] !== event.layer.shape[1] ||
            known.dtype !== event.layer.dtype)
        ) {
          this.cache.dropLayer(event.layer.key);
        }
        const layer = this.layers.upsert(event.layer);
        this._updateAxes();
        this._follow(layer, event.layer.newest);
        return;
      }
      case 'plane': {
        const layer = this.layers.get(event.layer);
        const values = layer?.valuesOf(event.index);
        if (!layer || !values) return; // the layer event that explains it comes first; stale otherwise
        this.cache.invalidate(event.layer, values, event.revision);
        this._follow(layer, event.index);
        this._planeUpdated.emit({ layer: event.layer, values, revision: event.revision });
        return;
      }
      case 'cleared':
        if (this._server) this._server.generation = event.generation;
        this.cache.clear();
        this.layers.clear();
        this._updateAxes();
        this._reset.emit();
        return;
      case 'stats':
        this._stats = { counters: event.counters, imagesPerSecond: event.images_per_second };
        this._statsChanged.emit(this._stats);
        return;
    }
  }

  /** Visible layers that have a plane at the current position. */
  visiblePlanes(position = this.dims.position()): VisiblePlane[] {
    const out: VisiblePlane[] = [];
    for (const layer of this.layers) {
      if (!layer.visible || layer.info.image_count === 0) continue;
      const index = layer.indexAt(position);
      const values = index && layer.valuesOf(index);
      if (index && values) out.push({ layer, index, values });
    }
    return out;
  }

  viewerState(): PipelineViewerState {
    return {
      position: this.dims.position() as Partial<Record<Component, string | number>>,
      followNewest: this.dims.followNewest,
      layers: this.layers.displayStates()
    };
  }

  restore(state: Partial<PipelineViewerState>): void {
    if (state.layers) this.layers.restoreDisplayStates(state.layers);
    if (typeof state.followNewest === 'boolean') this.dims.setFollowNewest(state.followNewest);
    if (state.position) this.dims.setPosition(state.position);
  }

  private _updateAxes(): void {
    this.dims.setAxes(mergeAxes([...this.layers].map(l => l.info.axes)));
  }

  private _follow(layer: Layer, index: readonly number[]): void {
    if (layer.info.image_count === 0 || index.length !== layer.info.axes.length) return;
    const position = layer.positionOf(index);
    if (position) this.dims.follow(position);
  }

  private _server: ServerIdentity | null = null;
  private _stats: ServerStats | null = null;
  private _planeUpdated = new Signal<this, PlaneNotice>(this);
  private _statsChanged = new Signal<this, ServerStats>(this);
  private _reset = new Signal<this, void>(this);
}
