/**
 * All layers of the server: the model behind status, api/state and the events. It does no
 * I/O; callers keep pixels in a PlaneStore under the plane ids handed out here.
 */
import type { ComponentNames, DisplayConfig } from '../../protocol/index.js';
import { Layer, type LayerChange, type NewPlane, type PlaneRef } from './layer.js';
import { layerKey } from './layer-key.js';

/** How a batch wants its images shown. */
export interface LayerConfig {
  display: DisplayConfig;
  names: ComponentNames;
  /** `show(array, {name})` forces the layer name. */
  layerName?: string;
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

  add(image: NewPlane, config: LayerConfig): StoreChange {
    let key = config.layerName ?? layerKey(image.metadata, config.display);
    if (config.display.variable_size_handling === 'separate_layers') {
      const first = this.layers.get(key);
      const [h, w] = image.shape;
      if (first && first.imageCount > 0 && (first.shape[0] !== h || first.shape[1] !== w))
        key = `${key}_${h}x${w}`;
    }
    let layer = this.layers.get(key);
    const created = layer === undefined;
    if (layer === undefined) {
      layer = new Layer(key, config.display, image.dtype);
      this.layers.set(key, layer);
    }
    const change = layer.add(
      image,
      this.nextPlaneId++,
      ++this.revision,
      config.display,
      config.names
    );
    return { ...change, layer, created, layoutChanged: change.layoutChanged || created };
  }

  get(key: string): Layer | undefined {
    return this.layers.get(key);
  }

  list(): Layer[] {
    return [...this.layers.values()];
  }

  /** Empty everything, axes included (OpenHCS mistake 5); returns the planes to free. */
  clear(): PlaneRef[] {
    const removed = this.list().flatMap(layer => [...layer.planeRefs()]);
    this.layers.clear();
    this.generation += 1;
    return removed;
  }
}
