/**
 * Layer: one image layer of the server plus the display settings the user chose for it.
 * Server updates replace `info` only; visibility, opacity, colormap and contrast stay as the
 * user left them (OpenHCS rebuilt layers and reset them: its mistake 4).
 */
import { Signal, type ISignal } from '@lumino/signaling';
import type { Colormap, Component } from '../../protocol/components.js';
import { COLORMAPS } from '../../protocol/components.js';
import type { LayerInfo } from '../../protocol/viewer-api.js';
import type { LayerDisplayState } from '../tokens.js';
import { autoContrast } from './histogram.js';
import { LABELS_MODES, type LabelsMode } from './labels-colors.js';
import type { AxisValue, PlanePixels } from './plane.js';

export type LayerChange = 'info' | 'display';

/**
 * Contrast limits as drawn: finite (else an error naming `owner`), max above min (an equal
 * pair is widened a hair, so the shader never divides by zero).
 */
export function contrastPair(owner: string, lo: number, hi: number): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new Error(`${owner}: contrast limits must be finite numbers, got [${lo}, ${hi}]`);
  }
  return hi > lo ? [lo, hi] : [lo, lo + Math.max(1e-6, Math.abs(lo) * 1e-6)];
}

export class Layer {
  constructor(info: LayerInfo, saved?: LayerDisplayState) {
    this._info = info;
    this._colormap = info.colormap;
    if (info.kind === 'labels') this._opacity = 0.7; // napari's labels default: the image shows through
    if (saved) this.restoreDisplay(saved);
  }

  get key(): string {
    return this._info.key;
  }

  get info(): LayerInfo {
    return this._info;
  }

  get changed(): ISignal<this, LayerChange> {
    return this._changed;
  }

  get visible(): boolean {
    return this._visible;
  }

  set visible(on: boolean) {
    if (on === this._visible) return;
    this._visible = on;
    this._changed.emit('display');
  }

  get opacity(): number {
    return this._opacity;
  }

  set opacity(value: number) {
    const v = Math.min(1, Math.max(0, Number.isFinite(value) ? value : 1));
    if (v === this._opacity) return;
    this._opacity = v;
    this._changed.emit('display');
  }

  get colormap(): Colormap {
    return this._colormap;
  }

  /** A labels layer (ids, one color each, 0 transparent); its colormap and contrast unused. */
  get isLabels(): boolean {
    return this._info.kind === 'labels';
  }

  /** How a labels layer draws its objects: filled or as outlines. */
  get labelsMode(): LabelsMode {
    return this._labelsMode;
  }

  set labelsMode(mode: LabelsMode) {
    if (!(LABELS_MODES as readonly string[]).includes(mode)) {
      throw new Error(
        `Layer ${this.key}: unknown labels mode "${mode}"; use one of ${LABELS_MODES.join(', ')}`
      );
    }
    if (mode === this._labelsMode) return;
    this._labelsMode = mode;
    this._changed.emit('display');
  }

  /** The user's choice; later server colormaps no longer apply to this layer. */
  set colormap(name: Colormap) {
    if (!(COLORMAPS as readonly string[]).includes(name)) {
      throw new Error(
        `Layer ${this.key}: unknown colormap "${name}"; use one of ${COLORMAPS.join(', ')}`
      );
    }
    this._colormapChosen = true;
    if (name === this._colormap) return;
    this._colormap = name;
    this._changed.emit('display');
  }

  /** Limits chosen by the user or by auto contrast; null until then. */
  get contrastLimits(): [number, number] | null {
    return this._contrast ? [...this._contrast] : null;
  }

  /** Limits used for drawing: the chosen ones, else the data range the server has seen. */
  get effectiveContrastLimits(): [number, number] {
    if (this._contrast) return [...this._contrast];
    const [lo, hi] = this._info.range;
    return hi > lo ? [lo, hi] : [lo, lo + 1];
  }

  setContrastLimits(lo: number, hi: number): void {
    const next = contrastPair(`Layer ${this.key}`, lo, hi);
    if (this._contrast && this._contrast[0] === next[0] && this._contrast[1] === next[1]) return;
    this._contrast = next;
    this._changed.emit('display');
  }

  /** "Auto": limits from the 0.1–99.9 percentiles of the displayed plane. */
  autoContrast(pixels: PlanePixels): void {
    const [lo, hi] = autoContrast(pixels);
    this.setContrastLimits(lo, hi);
  }

  /** A plane is shown for the first time: set contrast once if nobody chose it yet. */
  initContrastFrom(pixels: PlanePixels): void {
    if (!this._contrast) this.autoContrast(pixels);
  }

  /** New information from the server. Display settings are left alone. */
  updateInfo(info: LayerInfo): void {
    if (info.key !== this.key) throw new Error(`Layer ${this.key}: got info of layer ${info.key}`);
    this._info = info;
    if (!this._colormapChosen) this._colormap = info.colormap;
    this._changed.emit('info');
  }

  /** Index of this layer's plane at a position, or null when the layer has nothing there. */
  indexAt(position: Partial<Record<Component, AxisValue>>): number[] | null {
    const index: number[] = [];
    for (const axis of this._info.axes) {
      const value = position[axis.name];
      const i =
        value === undefined ? (axis.values.length === 1 ? 0 : -1) : axis.values.indexOf(value);
      if (i < 0) return null;
      index.push(i);
    }
    return index;
  }

  /** Axis values of an index of this layer, or null if it is out of range. */
  valuesOf(index: readonly number[]): AxisValue[] | null {
    const axes = this._info.axes;
    if (index.length !== axes.length) return null;
    const values: AxisValue[] = [];
    for (let k = 0; k < axes.length; k++) {
      const v = axes[k].values[index[k]];
      if (v === undefined) return null;
      values.push(v);
    }
    return values;
  }

  /** Axis name → value of an index of this layer (for following the newest plane). */
  positionOf(index: readonly number[]): Partial<Record<Component, AxisValue>> | null {
    const values = this.valuesOf(index);
    if (!values) return null;
    const out: Partial<Record<Component, AxisValue>> = {};
    this._info.axes.forEach((axis, k) => (out[axis.name] = values[k]));
    return out;
  }

  displayState(): LayerDisplayState {
    return {
      visible: this._visible,
      opacity: this._opacity,
      colormap: this._colormap,
      contrastLimits: this.contrastLimits,
      ...(this.isLabels ? { labelsMode: this._labelsMode } : {})
    };
  }

  restoreDisplay(state: LayerDisplayState): void {
    this._visible = state.visible;
    this._opacity = Math.min(1, Math.max(0, state.opacity));
    if ((COLORMAPS as readonly string[]).includes(state.colormap)) {
      this._colormap = state.colormap;
      this._colormapChosen = true;
    }
    if (state.labelsMode && (LABELS_MODES as readonly string[]).includes(state.labelsMode))
      this._labelsMode = state.labelsMode;
    const c = state.contrastLimits;
    this._contrast =
      c && Number.isFinite(c[0]) && Number.isFinite(c[1]) && c[1] > c[0] ? [c[0], c[1]] : null;
    this._changed.emit('display');
  }

  private _info: LayerInfo;
  private _visible = true;
  private _opacity = 1;
  private _labelsMode: LabelsMode = 'fill';
  private _colormap: Colormap;
  private _colormapChosen = false;
  private _contrast: [number, number] | null = null;
  private _changed = new Signal<this, LayerChange>(this);
}
