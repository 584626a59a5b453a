/**
 * LayerList: the server's layers in order, with the display settings of layers that went
 * away (a clear, a new run) remembered by key so they come back as the user left them.
 */
import { Signal, type ISignal } from '@lumino/signaling';
import type { LayerInfo } from '../../protocol/viewer-api.js';
import type { LayerDisplayState } from '../tokens.js';
import { Layer, type LayerChange } from './layer.js';

export interface LayerListChange {
  kind: 'added' | 'removed' | 'info' | 'display';
  layer: Layer;
}

export class LayerList implements Iterable<Layer> {
  get changed(): ISignal<this, LayerListChange> {
    return this._changed;
  }

  get length(): number {
    return this._layers.size;
  }

  [Symbol.iterator](): Iterator<Layer> {
    return this._layers.values();
  }

  get(key: string): Layer | undefined {
    return this._layers.get(key);
  }

  keys(): string[] {
    return [...this._layers.keys()];
  }

  /** Add a layer or update its info; returns the layer. */
  upsert(info: LayerInfo): Layer {
    const existing = this._layers.get(info.key);
    if (existing) {
      existing.updateInfo(info);
      return existing;
    }
    const layer = new Layer(info, this._remembered.get(info.key));
    this._layers.set(info.key, layer);
    layer.changed.connect(this._onLayerChanged, this);
    this._changed.emit({ kind: 'added', layer });
    return layer;
  }

  remove(key: string): void {
    const layer = this._layers.get(key);
    if (!layer) return;
    this._remembered.set(key, layer.displayState());
    layer.changed.disconnect(this._onLayerChanged, this);
    this._layers.delete(key);
    this._changed.emit({ kind: 'removed', layer });
  }

  /** Make the list match the server's: update, add, remove. */
  sync(infos: readonly LayerInfo[]): void {
    const keep = new Set(infos.map(i => i.key));
    for (const key of this.keys()) if (!keep.has(key)) this.remove(key);
    for (const info of infos) this.upsert(info);
  }

  clear(): void {
    for (const key of this.keys()) this.remove(key);
  }

  /** Display settings of present and remembered layers, by key. */
  displayStates(): Record<string, LayerDisplayState> {
    const out: Record<string, LayerDisplayState> = Object.fromEntries(this._remembered);
    for (const layer of this) out[layer.key] = layer.displayState();
    return out;
  }

  restoreDisplayStates(states: Record<string, LayerDisplayState>): void {
    for (const [key, state] of Object.entries(states)) {
      const layer = this._layers.get(key);
      if (layer) layer.restoreDisplay(state);
      else this._remembered.set(key, state);
    }
  }

  private _onLayerChanged(layer: Layer, change: LayerChange): void {
    this._changed.emit({ kind: change, layer });
  }

  private _layers = new Map<string, Layer>();
  private _remembered = new Map<string, LayerDisplayState>();
  private _changed = new Signal<this, LayerListChange>(this);
}
