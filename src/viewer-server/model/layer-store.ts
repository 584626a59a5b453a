/**
 * All layers of the server: the model behind status, api/state and the events. It does no
 * I/O; callers keep pixels in a PlaneStore under the plane ids handed out here.
 */
import type { AxisValue } from './component-value.js';
import {
  MAX_LAYERS,
  type Component,
  type ComponentNames,
  type DisplayConfig,
  type PixelSize,
  type RunTag
} from '../../protocol/index.js';
import {
  Layer,
  type LayerChange,
  type NewPlane,
  type PendingValues,
  type PlaneRef
} from './layer.js';
import { layerKey } from './layer-key.js';
import { LimitError } from './limit-error.js';

/** How a batch wants its images shown. */
export interface LayerConfig {
  display: DisplayConfig;
  names: ComponentNames;
  /** `show(array, {name})` forces the layer name. */
  layerName?: string;
  /** Physical pixel size the batch declared; the newest one wins. */
  pixelSize?: PixelSize;
  /** The batch's producer and run, remembered with each plane (clearOwner). */
  run?: RunTag;
  /** OpenHCS's component_value_domain: axis positions laid out up front (Layer.declare). */
  domain?: Partial<Record<Component, readonly AxisValue[]>>;
}

export interface StoreChange extends LayerChange {
  layer: Layer;
  created: boolean;
}

export class LayerStore {
  private readonly layers = new Map<string, Layer>();
  /** Grows on every clear so clients drop cached planes. */
  generation = 0;
  private nextPlaneId = 1;
  private revision = 0;

  /** Add one plane; throws LimitError (nothing changed) when it would exceed a bound. */
  add(image: NewPlane, config: LayerConfig): StoreChange {
    return this.addImage([image], config)[0];
  }

  /**
   * Add the planes of one image, all or none: every bound (MAX_LAYERS, MAX_AXIS_VALUES,
   * MAX_PLANE_PIXELS) is checked for all of them before the first is added, so a refused
   * image leaves no partial planes, axis values or empty layers behind.
   */
  addImage(planes: readonly NewPlane[], config: LayerConfig): StoreChange[] {
    this.check(planes, config);
    return planes.map(image => {
      const key = this.keyOf(image, config);
      let layer = this.layers.get(key);
      const created = layer === undefined;
      if (layer === undefined) {
        layer = new Layer(key, config.display, image.dtype, image.kind);
        this.layers.set(key, layer);
      }
      const change = layer.add(
        image,
        this.nextPlaneId++,
        ++this.revision,
        config.display,
        config.names,
        config.pixelSize,
        config.run
      );
      const declared = config.domain !== undefined && layer.declare(config.domain);
      return {
        ...change,
        layer,
        created,
        layoutChanged: change.layoutChanged || created || declared
      };
    });
  }

  private check(planes: readonly NewPlane[], config: LayerConfig): void {
    // Layers these planes would create, checked as empty ones (never stored here).
    const created = new Map<string, Layer>();
    const pending = new Map<Layer, PendingValues>();
    for (const image of planes) {
      const key = this.keyOf(image, config);
      let layer = this.layers.get(key) ?? created.get(key);
      if (layer === undefined) {
        if (this.layers.size + created.size >= MAX_LAYERS)
          throw new LimitError(
            'MAX_LAYERS',
            `image ${image.path}: layer ${JSON.stringify(key)} would be layer ${this.layers.size + created.size + 1}, over MAX_LAYERS (${MAX_LAYERS}); send fewer distinct slice-mode values (make a component stack-mode instead) or clear the viewer`
          );
        layer = new Layer(key, config.display, image.dtype, image.kind);
        created.set(key, layer);
      }
      if (!pending.has(layer)) pending.set(layer, new Map());
      layer.check(image, pending.get(layer));
    }
  }

  private keyOf(image: NewPlane, config: LayerConfig): string {
    const key = config.layerName ?? layerKey(image.metadata, config.display);
    if (config.display.variable_size_handling !== 'separate_layers') return key;
    const first = this.layers.get(key);
    const [h, w] = image.shape;
    return first && first.imageCount > 0 && (first.shape[0] !== h || first.shape[1] !== w)
      ? `${key}_${h}x${w}`
      : key;
  }

  /** The highest plane id handed out so far (0: none). */
  get lastPlaneId(): number {
    return this.nextPlaneId - 1;
  }

  get(key: string): Layer | undefined {
    return this.layers.get(key);
  }

  list(): Layer[] {
    return [...this.layers.values()];
  }

  /**
   * Removes the planes of `owner`'s runs other than `exceptRun`, and the layers left empty;
   * planes of other owners (and untagged ones) stay. Returns what to free.
   */
  clearOwner(owner: string, exceptRun?: string): { planes: PlaneRef[]; layers: string[] } {
    const owns = (plane: PlaneRef) =>
      plane.run?.owner === owner && plane.run.id !== exceptRun && !plane.kept;
    const planes: PlaneRef[] = [];
    const layers: string[] = [];
    for (const layer of this.list()) {
      planes.push(...layer.remove(owns, this.revision + 1));
      if (layer.imageCount === 0) {
        this.layers.delete(layer.key);
        layers.push(layer.key);
      }
    }
    if (planes.length > 0) {
      this.revision += 1;
      this.generation += 1; // clients drop their cached planes and re-read the state
    }
    return { planes, layers };
  }

  /**
   * A plane saved by an earlier server, back under its own key, id and revision (replayed in
   * revision order, so a later plane replaces an earlier one of the same slot). Throws
   * LimitError like addImage.
   */
  restore(
    image: NewPlane,
    config: LayerConfig,
    key: string,
    id: number,
    revision: number
  ): StoreChange {
    // The saved key is final: no size suffix again (variable_size_handling only picks keys).
    const display = { ...config.display, variable_size_handling: 'pad_to_max' as const };
    const exact = { ...config, display, layerName: key };
    const [next, newest] = [this.nextPlaneId, this.revision];
    this.nextPlaneId = id;
    this.revision = revision - 1;
    try {
      const restored = this.layers.get(key)?.origin !== 'live'; // new, or restored so far
      const [change] = this.addImage([image], exact);
      if (restored) change.layer.origin = 'restored'; // add() marks every plane live
      return change;
    } finally {
      this.nextPlaneId = Math.max(next, id + 1);
      this.revision = Math.max(newest, revision);
    }
  }

  /**
   * Renames layer `from` to `to` (keeping a run): nothing is copied, its planes keep their
   * ids and pixels. Clients drop cached planes and re-read the state (generation).
   */
  renameLayer(from: string, to: string): Layer {
    const layer = this.layers.get(from);
    if (layer === undefined) throw new RangeError(`no layer ${JSON.stringify(from)}`);
    if (this.layers.has(to)) throw new RangeError(`a layer ${JSON.stringify(to)} exists already`);
    this.layers.delete(from);
    layer.rename(to);
    this.layers.set(to, layer);
    this.generation += 1;
    return layer;
  }

  /** Removes layer `key` whole (the store's size bound); returns its planes to free. */
  removeLayer(key: string): PlaneRef[] {
    const layer = this.layers.get(key);
    if (layer === undefined) return [];
    this.layers.delete(key);
    this.generation += 1; // clients drop their cached planes and re-read the state
    return [...layer.planeRefs()];
  }

  /** Empty everything, axes included (OpenHCS mistake 5); returns the planes to free. */
  clear(): PlaneRef[] {
    const removed = this.list().flatMap(layer => [...layer.planeRefs()]);
    this.layers.clear();
    this.generation += 1;
    return removed;
  }
}
