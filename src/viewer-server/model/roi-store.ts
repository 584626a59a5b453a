/**
 * `RoiStore`: OpenHCS's ROI items (shapes, points) kept as overlays of the layer their
 * producer's images go to, at the stack-axis position they were made for (well, site, z …).
 * An item with the same layer, position and path replaces the earlier one (a re-run); the
 * total number of shapes is bounded (oldest sets dropped first). `revision` grows on every
 * change so browsers know when to fetch `api/rois` again.
 */
import {
  MAX_STORED_ROI_SHAPES,
  type DisplayConfig,
  type RoiItem,
  type RoiOverlays,
  type RoiSet
} from '../../protocol/index.js';
import { normaliseValue } from './component-value.js';
import { layerKey, stackComponents } from './layer-key.js';

export class RoiStore {
  private readonly sets = new Map<string, RoiSet>();
  private shapes = 0;
  revision = 0;

  constructor(private readonly maxShapes = MAX_STORED_ROI_SHAPES) {}

  /** Store one item as the overlay of its layer at its position; returns its shape count. */
  add(item: RoiItem, display: DisplayConfig, layerName?: string): number {
    const layer = layerName ?? layerKey(item.metadata, display);
    const at: RoiSet['at'] = {};
    for (const component of stackComponents(display)) {
      const value = normaliseValue(component, item.metadata[component]);
      if (value !== null) at[component] = value;
    }
    const set: RoiSet = {
      layer,
      kind: item.data_type,
      path: item.path ?? '',
      at,
      shapes: item.shapes.map(shape => {
        const label = shape.metadata?.label;
        return {
          type: shape.type,
          coordinates: shape.coordinates.map(([y, x]) => [y, x] as [number, number]),
          ...(label !== undefined && label !== null ? { label: String(label) } : {})
        };
      })
    };
    const key = JSON.stringify([layer, at, set.path]);
    this.remove(key);
    this.sets.set(key, set);
    this.shapes += set.shapes.length;
    for (const oldest of this.sets.keys()) {
      if (this.shapes <= this.maxShapes || oldest === key) break;
      this.remove(oldest);
    }
    this.revision++;
    return set.shapes.length;
  }

  get shapeCount(): number {
    return this.shapes;
  }

  clear(): void {
    if (this.sets.size === 0) return;
    this.sets.clear();
    this.shapes = 0;
    this.revision++;
  }

  overlays(): RoiOverlays {
    return { revision: this.revision, sets: [...this.sets.values()] };
  }

  private remove(key: string): void {
    const old = this.sets.get(key);
    if (!old) return;
    this.sets.delete(key);
    this.shapes -= old.shapes.length;
  }
}
