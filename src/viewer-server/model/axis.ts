/**
 * One stacked axis of a layer: the sorted set of values seen for a stack-mode component.
 * Values are only ever added (a clear drops the whole layer), so indices of the sliders
 * stay meaningful while images stream in.
 */
import type { Component } from '../../protocol/index.js';
import { compareValues, WIDENED, type AxisValue } from './component-value.js';

export class Axis {
  /** False while every image of the layer lacked this component: then it is no slider. */
  present = false;
  private readonly seen = new Set<AxisValue>();
  private sorted: AxisValue[] = [];
  private index = new Map<AxisValue, number>();

  constructor(readonly name: Component) {}

  get values(): readonly AxisValue[] {
    return this.sorted;
  }

  /** Record a value; returns true when the axis' value list changed. */
  add(value: AxisValue, real: boolean): boolean {
    const wasPresent = this.present;
    if (real) this.present = true;
    if (this.seen.has(value)) return wasPresent !== this.present;
    this.seen.add(value);
    const before = this.sorted;
    this.sorted = this.compute();
    this.index = new Map(this.sorted.map((v, i) => [v, i]));
    const same =
      before.length === this.sorted.length && before.every((v, i) => v === this.sorted[i]);
    return !same || wasPresent !== this.present;
  }

  indexOf(value: AxisValue): number {
    return this.index.get(value) ?? -1;
  }

  /** Channel, z and timepoint widen to 1..max when all values are whole numbers ≥ 1. */
  private compute(): AxisValue[] {
    const values = [...this.seen].sort(compareValues);
    if (!WIDENED.has(this.name)) return values;
    const wholeNumbers = values.every(v => typeof v === 'number' && Number.isInteger(v) && v >= 1);
    if (!wholeNumbers || values.length === 0) return values;
    const max = values[values.length - 1] as number;
    if (max > 100_000) return values; // a sparse huge value would make an absurd slider
    return Array.from({ length: max }, (_, i) => i + 1);
  }
}
