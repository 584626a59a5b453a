/**
 * Dims: the stacked axes shown as sliders and the current position on each, like napari's
 * Dims. The position is kept as axis VALUES, so when the server inserts a new well before
 * the current one the user stays on the same well, not on the same index, and a well that
 * vanished and comes back (a re-run) is returned to.
 */
import { Signal, type ISignal } from '@lumino/signaling';
import type { Component } from '../../protocol/components.js';
import { compareAxisValues, defaultLabel } from './axis-values.js';
import type { AxisValue } from './plane.js';

export interface DimsAxis {
  name: Component;
  values: readonly AxisValue[];
  labels: readonly string[];
}

export interface DimsChange {
  kind: 'axes' | 'position' | 'follow';
  /** True when the user moved a slider (as opposed to following or restoring). */
  byUser: boolean;
}

export class Dims {
  constructor(options: { followNewest?: boolean } = {}) {
    this._follow = options.followNewest ?? true;
  }

  get changed(): ISignal<this, DimsChange> {
    return this._changed;
  }

  get axes(): readonly DimsAxis[] {
    return this._axes;
  }

  /**
   * Axes with more than one value: the ones worth a slider. A single-value axis (z 1/1)
   * has nothing to move; its value is still part of the position and of the overlay.
   */
  get sliderAxes(): readonly DimsAxis[] {
    return this._axes.filter(a => a.values.length > 1);
  }

  axis(name: Component): DimsAxis | undefined {
    return this._axes.find(a => a.name === name);
  }

  /** While true, `follow()` moves to the newest plane; a user move turns it off. */
  get followNewest(): boolean {
    return this._follow;
  }

  setFollowNewest(on: boolean): void {
    if (on === this._follow) return;
    this._follow = on;
    this._changed.emit({ kind: 'follow', byUser: false });
  }

  /** Current index on an axis (0 for an unknown or empty axis). */
  index(name: Component): number {
    const axis = this.axis(name);
    if (!axis || axis.values.length === 0) return 0;
    const value = this._position.get(name);
    const i = value === undefined ? -1 : axis.values.indexOf(value);
    return i < 0 ? 0 : i;
  }

  /** Current value on an axis, undefined when the axis has no values. */
  value(name: Component): AxisValue | undefined {
    const axis = this.axis(name);
    return axis?.values[this.index(name)];
  }

  label(name: Component): string | undefined {
    const axis = this.axis(name);
    if (!axis || axis.values.length === 0) return undefined;
    const i = this.index(name);
    return axis.labels[i] || defaultLabel(name, axis.values[i]);
  }

  /** Axis name → current value, for every axis with values. */
  position(): Partial<Record<Component, AxisValue>> {
    const out: Partial<Record<Component, AxisValue>> = {};
    for (const axis of this._axes) {
      const v = this.value(axis.name);
      if (v !== undefined) out[axis.name] = v;
    }
    return out;
  }

  /**
   * Replace the axes (values grew, a layer came or went). Each axis keeps its current value;
   * a value that vanished (after a clear) falls back to the nearest remaining value.
   */
  setAxes(axes: readonly DimsAxis[]): void {
    const same =
      axes.length === this._axes.length &&
      axes.every((a, i) => {
        const b = this._axes[i];
        return (
          a.name === b.name &&
          a.values.length === b.values.length &&
          a.values.every((v, j) => v === b.values[j]) &&
          a.labels.every((l, j) => l === b.labels[j])
        );
      });
    if (same) return;
    for (const axis of axes) {
      if (axis.values.length === 0) continue;
      // the value last chosen (by the user, following or restore), else where we are
      const target = this._chosen.get(axis.name) ?? this._position.get(axis.name);
      if (target === undefined) {
        this._position.set(axis.name, axis.values[0]);
      } else if (axis.values.includes(target)) {
        this._position.set(axis.name, target);
      } else {
        this._position.set(axis.name, nearest(axis.values, target));
      }
    }
    this._axes = axes.map(a => ({ name: a.name, values: [...a.values], labels: [...a.labels] }));
    this._changed.emit({ kind: 'axes', byUser: false });
  }

  /** The axis the user moved last (arrow keys step it), null before any move. */
  get lastAxis(): Component | null {
    return this._lastAxis;
  }

  /** The user moved a slider: go there and stop following the newest plane. */
  setIndex(name: Component, index: number): void {
    const axis = this.axis(name);
    if (!axis || axis.values.length === 0) return;
    const i = Math.min(axis.values.length - 1, Math.max(0, Math.round(index)));
    this._follow = false;
    this._lastAxis = name;
    this._moveTo({ [name]: axis.values[i] }, true);
  }

  /** Step an axis by `delta` (play and the step buttons); wraps around when `wrap`. */
  step(name: Component, delta: number, wrap = true): void {
    const axis = this.axis(name);
    if (!axis || axis.values.length === 0) return;
    const n = axis.values.length;
    let i = this.index(name) + delta;
    i = wrap ? ((i % n) + n) % n : Math.min(n - 1, Math.max(0, i));
    this.setIndex(name, i);
  }

  /** Move to where the newest plane is, unless the user took over the sliders. */
  follow(values: Partial<Record<Component, AxisValue>>): boolean {
    if (!this._follow) return false;
    return this._moveTo(values, false);
  }

  /** Set the position without touching the follow flag (restore from saved state). */
  setPosition(values: Partial<Record<Component, AxisValue>>): void {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) continue;
      this._position.set(name as Component, value);
      this._chosen.set(name as Component, value);
    }
    this._changed.emit({ kind: 'position', byUser: false });
  }

  private _moveTo(values: Partial<Record<Component, AxisValue>>, byUser: boolean): boolean {
    let moved = false;
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) continue;
      const axis = this.axis(name as Component);
      if (!axis || !axis.values.includes(value)) continue;
      if (this.value(name as Component) !== value) moved = true;
      this._position.set(name as Component, value);
      this._chosen.set(name as Component, value);
    }
    if (moved || byUser) this._changed.emit({ kind: 'position', byUser });
    return moved;
  }

  private _axes: DimsAxis[] = [];
  /** Remembered per axis name, also for axes that are currently absent. */
  private _position = new Map<Component, AxisValue>();
  /**
   * The value last moved to on purpose. While it is absent (a re-run cleared the layer and
   * streams its wells again) the position falls back to the nearest value, and returns to
   * this one when it is back: a re-run with follow newest off no longer lands on A01.
   */
  private _chosen = new Map<Component, AxisValue>();
  private _follow: boolean;
  private _lastAxis: Component | null = null;
  private _changed = new Signal<this, DimsChange>(this);
}

function nearest(values: readonly AxisValue[], target: AxisValue): AxisValue {
  // values are sorted: the first value not below the target, else the last one
  for (const v of values) if (compareAxisValues(v, target) >= 0) return v;
  return values[values.length - 1];
}
