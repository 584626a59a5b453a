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
import { ChannelSettings } from './channel-settings.js';
import { Dims, type DimsAxis } from './dims.js';
import { isChannelLayer, layerChannels, planeChannel } from './layer-channels.js';
import type { Layer } from './layer.js';
import { LayerList } from './layer-list.js';
import { mergeAxes } from './merge-axes.js';
import { PlaneCache } from './plane-cache.js';
import type { AxisValue, PlanePixels } from './plane.js';

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

/** What is drawn for one visible layer (or channel of a composite) at the current position. */
/** Between a layer's key and its channel's name in a composite's draw key. */
const DRAW_KEY_SEPARATOR = '\u0000';

/** The layer key of a draw key (`VisiblePlane.drawKey`, a DrawLayer's key). */
export function layerOfDrawKey(drawKey: string): string {
  const i = drawKey.indexOf(DRAW_KEY_SEPARATOR);
  return i < 0 ? drawKey : drawKey.slice(0, i);
}

export interface VisiblePlane {
  layer: Layer;
  index: number[];
  values: AxisValue[];
  /** What the plane is shown as: the layer key, or the layer key and channel of a composite. */
  drawKey: string;
  /** Channel name when the layer is a channel layer (its settings apply). */
  channel?: string;
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
  /** Per channel name: visible, colormap, contrast, gamma; and composite vs single mode. */
  readonly channels = new ChannelSettings();

  constructor(options: { followNewest?: boolean; cacheBytes?: number } = {}) {
    this.dims = new Dims({ followNewest: options.followNewest });
    this.cache = new PlaneCache(options.cacheBytes);
    this.channels.changed.connect((_, name) => name === null && this._updateAxes());
  }

  /** The channel axis drawn as a composite (it then has no slider), else null. */
  get compositeAxis(): DimsAxis | null {
    return this._compositeAxis;
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

  /**
   * Visible layers that have a plane at the current position; a channel layer in composite
   * mode gives one entry per visible channel.
   */
  visiblePlanes(position = this.dims.position()): VisiblePlane[] {
    const out: VisiblePlane[] = [];
    for (const layer of this.layers) {
      if (!layer.visible || layer.info.image_count === 0) continue;
      const channels = layerChannels(layer.info, this.channels);
      const composite = this._compositeAxis !== null && channels.length > 0;
      for (const c of composite ? channels : [null]) {
        if (c && !c.settings.visible) continue;
        const index = layer.indexAt(c ? { ...position, channel: c.value } : position);
        const values = index && layer.valuesOf(index);
        if (!index || !values) continue;
        const channel = c?.name ?? planeChannel(layer.info, this.channels, values)?.name;
        const drawKey = c ? `${layer.key}${DRAW_KEY_SEPARATOR}${c.name}` : layer.key;
        out.push({ layer, index, values, drawKey, channel });
      }
    }
    return out;
  }

  /** How a plane of `layer` at `values` is shown now, if it is (a visible layer or channel). */
  shownAs(layer: string, values: readonly AxisValue[]): VisiblePlane | undefined {
    const k = this.layers.get(layer)?.info.axes.findIndex(a => a.name === 'channel') ?? -1;
    return this.visiblePlanes().find(
      v => v.layer.key === layer && (v.drawKey === layer || v.values[k] === values[k])
    );
  }

  /** A plane is shown for the first time: auto contrast for its channel or layer, once. */
  initContrast(shown: Pick<VisiblePlane, 'layer' | 'channel'>, pixels: PlanePixels): void {
    if (shown.channel !== undefined) this.channels.initContrastFrom(shown.channel, pixels);
    else shown.layer.initContrastFrom(pixels);
  }

  viewerState(): PipelineViewerState {
    return {
      position: this.dims.position() as Partial<Record<Component, string | number>>,
      followNewest: this.dims.followNewest,
      layers: this.layers.displayStates(),
      channels: this.channels.displayStates(),
      channelMode: this.channels.mode
    };
  }

  restore(state: Partial<PipelineViewerState>): void {
    if (state.layers) this.layers.restoreDisplayStates(state.layers);
    this.channels.restore(state.channels ?? {}, state.channelMode);
    if (typeof state.followNewest === 'boolean') this.dims.setFollowNewest(state.followNewest);
    if (state.position) this.dims.setPosition(state.position);
  }

  /** Dims gets every axis but the channel axis of a composite (no slider: all are drawn). */
  private _updateAxes(): void {
    for (const layer of this.layers) layerChannels(layer.info, this.channels); // known by name
    const axes = mergeAxes([...this.layers].map(l => l.info.axes));
    const channel = axes.find(a => a.name === 'channel');
    const composite =
      this.channels.mode === 'composite' &&
      channel !== undefined &&
      [...this.layers].some(l => isChannelLayer(l.info));
    this._compositeAxis = composite ? channel : null;
    this.dims.setAxes(composite ? axes.filter(a => a !== channel) : axes);
  }

  private _follow(layer: Layer, index: readonly number[]): void {
    if (layer.info.image_count === 0 || index.length !== layer.info.axes.length) return;
    const position = layer.positionOf(index);
    if (position) this.dims.follow(position);
  }

  private _compositeAxis: DimsAxis | null = null;
  private _server: ServerIdentity | null = null;
  private _stats: ServerStats | null = null;
  private _planeUpdated = new Signal<this, PlaneNotice>(this);
  private _statsChanged = new Signal<this, ServerStats>(this);
  private _reset = new Signal<this, void>(this);
}
