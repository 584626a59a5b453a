/**
 * A layer: the images of one slice-mode key, stacked along one axis per stack-mode
 * component. Adding an image updates the layer in place (no rebuild, OpenHCS mistake 4);
 * an image with the same components replaces the old one. Pixels live elsewhere
 * (PlaneStore); a layer only knows plane ids, shapes and component values. Planes are
 * keyed by their axis values, never by slider indices, so a growing axis re-indexes nothing.
 */
import {
  MAX_AXIS_VALUES,
  MAX_PLANE_PIXELS,
  WIRE_DTYPES,
  type Colormap,
  type Component,
  type ComponentNames,
  type DisplayConfig,
  type Dtype,
  type ImageDataType,
  type LayerOrigin,
  type PixelSize,
  type ImageMetadata,
  type RunTag,
  type LayerInfo,
  type LayerSummary,
  type WireDtype
} from '../../protocol/index.js';
import { Axis } from './axis.js';
import { axisLabel } from './axis-label.js';
import { missingValue, normaliseValue, type AxisValue } from './component-value.js';
import { stackComponents } from './layer-key.js';
import { LimitError } from './limit-error.js';
import type { PlaneShape } from '../pixels/wire-pixels.js';

/** What the store knows of one stored plane; its pixels are in the PlaneStore under `id`. */
export interface PlaneRef {
  id: number;
  layer: string;
  /** Stack-component values; identical values mean the same slot (replacement). */
  identity: string;
  values: Partial<Record<Component, AxisValue>>;
  shape: PlaneShape;
  dtype: Dtype;
  revision: number;
  path: string;
  imageId: string;
  /** The producer and run that made it (none for untagged batches, e.g. OpenHCS). */
  run?: RunTag;
  /** Stack components the image lacked (their value is a default): no slider of their own. */
  defaulted?: Component[];
  /** Kept by the user to compare runs (keep-run.ts): clear_owner leaves it alone. */
  kept?: boolean;
}

/** One 2-D image about to be stored. */
export interface NewPlane {
  metadata: ImageMetadata;
  shape: PlaneShape;
  dtype: Dtype;
  /** Data range of the pixels (a sample is enough: it seeds contrast limits). */
  range: [number, number];
  path: string;
  imageId: string;
  /** `labels`: ids, kept integer and never averaged (absent: an image). */
  kind?: ImageDataType;
}

export interface LayerChange {
  plane: PlaneRef;
  replaced?: PlaneRef;
  /** Axes, labels, shape, dtype or colormap changed: clients re-read the layer. */
  layoutChanged: boolean;
}

type AxisInfo = LayerInfo['axes'][number];

/** New axis values of the planes checked so far for one image, by component. */
export type PendingValues = Map<Component, Set<AxisValue>>;

export class Layer {
  private readonly axisOf = new Map<Component, Axis>();
  private readonly stackOrder: Component[];
  private readonly planes = new Map<string, PlaneRef>();
  shape: PlaneShape = [0, 0];
  dtype: Dtype;
  colormap: Colormap;
  readonly names: ComponentNames = {};
  pixelSize: PixelSize | undefined;
  range: [number, number] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  revision = 0;
  /** 'restored': every plane came back from the layer store at start; a live image makes it 'live'. */
  origin: LayerOrigin = 'live';
  private newest: PlaneRef | null = null;
  /** Axes with values and labels for info/summary; rebuilt after a layout change only. */
  private axisCache: AxisInfo[] | null = null;

  constructor(
    /** Changes only when the user keeps the layer's run (LayerStore.keepRun). */
    public key: string,
    display: DisplayConfig,
    dtype: Dtype,
    /** Set by the layer's first image: a labels layer stays one. */
    readonly kind: ImageDataType = 'image'
  ) {
    this.stackOrder = stackComponents(display);
    for (const c of this.stackOrder) this.axisOf.set(c, new Axis(c));
    this.dtype = dtype;
    this.colormap = display.colormap;
  }

  get imageCount(): number {
    return this.planes.size;
  }

  /** Dtype of planes sent to the browser: uint8/uint16/float32, others become float32. */
  get wireDtype(): WireDtype {
    if (this.kind === 'labels')
      return this.dtype === 'uint8' || this.dtype === 'uint16' ? this.dtype : 'uint32';
    return (WIRE_DTYPES as readonly string[]).includes(this.dtype) && this.dtype !== 'uint32'
      ? (this.dtype as WireDtype)
      : 'float32';
  }

  /** Axes shown as sliders: stack components that at least one image has. */
  axes(): Axis[] {
    return this.stackOrder.map(c => this.axisOf.get(c)!).filter(a => a.present);
  }

  planeRefs(): IterableIterator<PlaneRef> {
    return this.planes.values();
  }

  /**
   * Throws LimitError, changing nothing, when adding `image` would exceed MAX_PLANE_PIXELS
   * (its own plane or the layer's padded one) or MAX_AXIS_VALUES. `pending` carries the new
   * axis values of the image's planes checked before this one (all are added together).
   */
  check(image: NewPlane, pending: PendingValues = new Map()): void {
    const [h, w] = image.shape;
    if (h * w > MAX_PLANE_PIXELS)
      throw new LimitError(
        'MAX_PLANE_PIXELS',
        `image ${image.path}: a plane of ${h}×${w} = ${h * w} pixels is over MAX_PLANE_PIXELS (${MAX_PLANE_PIXELS}); send it in smaller tiles`
      );
    const [ph, pw] = [Math.max(this.shape[0], h), Math.max(this.shape[1], w)];
    if (ph * pw > MAX_PLANE_PIXELS)
      throw new LimitError(
        'MAX_PLANE_PIXELS',
        `image ${image.path} (${h}×${w}) would pad every plane of layer ${this.key} (${this.shape[0]}×${this.shape[1]} so far) to ${ph}×${pw} = ${ph * pw} pixels, over MAX_PLANE_PIXELS (${MAX_PLANE_PIXELS}); send images of similar sizes to one layer or set variable_size_handling to 'separate_layers'`
      );
    for (const component of this.stackOrder) {
      const axis = this.axisOf.get(component)!;
      const value = normaliseValue(component, image.metadata[component]) ?? missingValue(component);
      if (axis.hasPosition(value)) continue;
      const fresh = pending.get(component) ?? new Set<AxisValue>();
      pending.set(component, fresh.add(value));
      if (axis.length + fresh.size > MAX_AXIS_VALUES)
        throw new LimitError(
          'MAX_AXIS_VALUES',
          `image ${image.path}: ${component} ${JSON.stringify(value)} would be value ${axis.length + fresh.size} of axis ${component} of layer ${this.key}, over MAX_AXIS_VALUES (${MAX_AXIS_VALUES}); send fewer distinct ${component} values to one layer (or make ${component} a slice-mode component) or clear the viewer`
        );
    }
  }

  /** Add a plane that passed check(). */
  add(
    image: NewPlane,
    id: number,
    revision: number,
    display: DisplayConfig,
    names: ComponentNames,
    pixelSize?: PixelSize,
    run?: RunTag
  ): LayerChange {
    let layoutChanged = false;
    if (pixelSize && !samePixelSize(pixelSize, this.pixelSize)) {
      this.pixelSize = { ...pixelSize };
      layoutChanged = true;
    }
    const values: Partial<Record<Component, AxisValue>> = {};
    const defaulted: Component[] = [];
    for (const component of this.stackOrder) {
      const real = normaliseValue(component, image.metadata[component]);
      const value = real ?? missingValue(component);
      values[component] = value;
      if (real === null) defaulted.push(component);
      if (this.axisOf.get(component)!.add(value, real !== null)) layoutChanged = true;
    }
    for (const [component, byValue] of Object.entries(names) as [
      Component,
      Record<string, string>
    ][]) {
      const known = (this.names[component] ??= {});
      for (const [value, name] of Object.entries(byValue)) {
        if (known[value] !== name) {
          known[value] = name;
          layoutChanged = true;
        }
      }
    }
    const shape: PlaneShape = [
      Math.max(this.shape[0], image.shape[0]),
      Math.max(this.shape[1], image.shape[1])
    ];
    if (shape[0] !== this.shape[0] || shape[1] !== this.shape[1]) layoutChanged = true;
    this.shape = shape;
    const mixed = this.kind === 'labels' ? 'uint32' : 'float32';
    if (image.dtype !== this.dtype && this.dtype !== mixed) {
      // Mixed pixel types in one layer are shown as float32 (converted when served);
      // label ids as uint32, so they stay exact.
      this.dtype = mixed;
      layoutChanged = true;
    }
    if (display.colormap !== this.colormap) {
      this.colormap = display.colormap;
      layoutChanged = true;
    }
    this.range = [Math.min(this.range[0], image.range[0]), Math.max(this.range[1], image.range[1])];
    if (layoutChanged) this.axisCache = null;

    const identity = JSON.stringify(this.stackOrder.map(c => values[c]));
    const plane: PlaneRef = {
      id,
      layer: this.key,
      identity,
      values,
      shape: image.shape,
      dtype: image.dtype,
      revision,
      path: image.path,
      imageId: image.imageId,
      ...(run ? { run } : {}),
      ...(defaulted.length > 0 ? { defaulted } : {})
    };
    const replaced = this.planes.get(identity);
    this.origin = 'live';
    this.planes.set(identity, plane);
    this.newest = plane;
    this.revision = revision;
    return { plane, replaced, layoutChanged };
  }

  /**
   * Positions declared up front (OpenHCS's component_value_domain) on the stack axes, so
   * sliders do not shift as images arrive; an axis stays hidden until an image has its
   * component, and never passes MAX_AXIS_VALUES. True when an axis grew.
   */
  declare(domain: Partial<Record<Component, readonly AxisValue[]>>): boolean {
    let grew = false;
    for (const component of this.stackOrder) {
      const axis = this.axisOf.get(component)!;
      for (const raw of domain[component] ?? []) {
        const value = normaliseValue(component, raw);
        if (value === null || axis.hasPosition(value)) continue;
        if (axis.length >= MAX_AXIS_VALUES) break;
        if (axis.add(value, false)) grew = true;
      }
    }
    if (grew) this.axisCache = null;
    return grew;
  }

  /**
   * Removes the planes `owns` picks and returns them. The axes are rebuilt from the planes
   * left (a position no plane has any more goes), so this is a layout change: `revision`.
   */
  remove(owns: (plane: PlaneRef) => boolean, revision: number): PlaneRef[] {
    const removed = [...this.planes].filter(([, plane]) => owns(plane));
    if (removed.length === 0) return [];
    for (const [identity] of removed) this.planes.delete(identity);
    for (const c of this.stackOrder) this.axisOf.set(c, new Axis(c));
    this.newest = null;
    for (const plane of this.planes.values()) {
      for (const c of this.stackOrder)
        this.axisOf.get(c)!.add(plane.values[c]!, !plane.defaulted?.includes(c));
      if (!this.newest || plane.revision > this.newest.revision) this.newest = plane;
    }
    this.axisCache = null;
    this.revision = revision;
    return removed.map(([, plane]) => plane);
  }

  /** Renames the layer (a kept run): its planes name it too, and are marked kept. */
  rename(key: string): void {
    this.key = key;
    for (const plane of this.planes.values()) {
      plane.layer = key;
      plane.kept = true;
    }
  }

  /** Slider indices of a plane on the current axes. */
  indexOf(plane: PlaneRef): number[] {
    return this.axes().map(axis => axis.indexOf(plane.values[axis.name]!));
  }

  /**
   * Slider indices, on the current axes, of the position `at` (axis name → value) a client
   * saw; null when one of its values is not on its axis (no such plane). An axis the client
   * did not know yet (it appeared later) is read as the value every earlier image had there.
   * Throws RangeError for a name that is no stack component of this layer.
   */
  indexAt(at: Partial<Record<Component, AxisValue>>): number[] | null {
    for (const name of Object.keys(at) as Component[]) {
      if (!this.axisOf.has(name)) {
        const axes = this.axes().map(a => a.name);
        throw new RangeError(
          `layer ${this.key} has no axis ${name}; its axes are ${axes.join(', ') || 'none'}`
        );
      }
    }
    const valueOf = (c: Component): AxisValue => normaliseValue(c, at[c]) ?? missingValue(c);
    const index: number[] = [];
    for (const axis of this.axes()) {
      const i = axis.indexOf(valueOf(axis.name));
      if (i < 0) return null;
      index.push(i);
    }
    // a component no image had yet: only its missing value names a plane
    for (const name of Object.keys(at) as Component[]) {
      if (!this.axisOf.get(name)!.present && valueOf(name) !== missingValue(name)) return null;
    }
    return index;
  }

  /**
   * The plane at slider position `index` (one entry per axis), undefined for an empty slot
   * (e.g. channel 2 of 1..3 never arrived). Throws RangeError for an impossible index.
   */
  planeAt(index: readonly number[]): PlaneRef | undefined {
    const axes = this.axes();
    if (index.length !== axes.length) {
      throw new RangeError(
        `layer ${this.key} has ${axes.length} axes (${axes.map(a => a.name).join(', ')}), index has ${index.length} entries`
      );
    }
    const byComponent = new Map<Component, AxisValue>();
    axes.forEach((axis, i) => {
      const value = axis.valueAt(index[i]);
      if (value === undefined) {
        throw new RangeError(
          `index ${index[i]} is outside axis ${axis.name} of layer ${this.key} (${axis.length} values)`
        );
      }
      byComponent.set(axis.name, value);
    });
    const identity = JSON.stringify(
      this.stackOrder.map(c => byComponent.get(c) ?? missingValue(c))
    );
    return this.planes.get(identity);
  }

  private axisInfo(): AxisInfo[] {
    this.axisCache ??= this.axes().map(axis => ({
      name: axis.name,
      values: [...axis.values()],
      labels: axis.values().map(v => axisLabel(axis.name, v, this.names))
    }));
    return this.axisCache;
  }

  summary(): LayerSummary {
    return {
      key: this.key,
      dtype: this.dtype,
      shape: [...this.shape],
      axes: this.axisInfo(),
      image_count: this.imageCount,
      colormap: this.colormap,
      ...(this.pixelSize ? { pixel_size: { ...this.pixelSize } } : {}),
      ...(this.kind === 'labels' ? { kind: this.kind } : {}),
      ...(this.origin !== 'live' ? { origin: this.origin } : {})
    };
  }

  info(): LayerInfo {
    const finite = Number.isFinite(this.range[0]) && Number.isFinite(this.range[1]);
    return {
      key: this.key,
      dtype: this.wireDtype,
      shape: [...this.shape],
      axes: this.axisInfo(),
      colormap: this.colormap,
      range: finite ? [...this.range] : [0, 0],
      image_count: this.imageCount,
      newest: this.newest ? this.indexOf(this.newest) : [],
      revision: this.revision,
      ...(this.pixelSize ? { pixel_size: { ...this.pixelSize } } : {}),
      ...(this.kind === 'labels' ? { kind: this.kind } : {}),
      ...(this.origin !== 'live' ? { origin: this.origin } : {})
    };
  }
}

function samePixelSize(a: PixelSize, b: PixelSize | undefined): boolean {
  return b !== undefined && a.x === b.x && a.y === b.y && a.unit === b.unit;
}
