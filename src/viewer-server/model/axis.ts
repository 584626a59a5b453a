/**
 * One stacked axis of a layer: its positions are the values images had for a stack-mode
 * component plus, for channel, z and timepoint, the whole numbers 1..W filled in (OpenHCS
 * widens them to 1..max). Positions are only ever added (a clear drops the whole layer):
 * a value names the same plane however the axis grew, only slider indices shift.
 *
 * Widening is bounded: W is the largest whole value seen that is at most twice the number
 * of distinct values plus WIDEN_SLACK. Dense stacks (z 1..n, channels 1, 2, 4) widen as in
 * OpenHCS, while one image with z = 65,536 adds one position, not 65,536 that every state
 * message would then carry. An axis never has more than MAX_AXIS_VALUES positions.
 */
import { MAX_AXIS_VALUES, type Component } from '../../protocol/index.js';
import { compareValues, WIDENED, type AxisValue } from './component-value.js';
import { SortedValues } from './sorted-values.js';

/** Empty slots widening may add beyond one per distinct value. */
export const WIDEN_SLACK = 64;

function isWhole(value: AxisValue): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

export class Axis {
  /** False while every image of the layer lacked this component: then it is no slider. */
  present = false;
  private readonly seen = new Set<AxisValue>();
  private readonly positions = new SortedValues<AxisValue>(compareValues);
  /** Whole values ≥ 1 seen, to find how far to widen. */
  private readonly wholes = new SortedValues<number>((a, b) => a - b);
  private widenedTo = 0;

  constructor(readonly name: Component) {}

  get length(): number {
    return this.positions.length;
  }

  values(): readonly AxisValue[] {
    return this.positions.values();
  }

  valueAt(index: number): AxisValue | undefined {
    return this.positions.at(index);
  }

  /** Slider index of `value`, -1 when it is no position of the axis (O(log n)). */
  indexOf(value: AxisValue): number {
    return this.positions.indexOf(value);
  }

  hasPosition(value: AxisValue): boolean {
    return this.positions.has(value);
  }

  /**
   * Record a value (the caller checked MAX_AXIS_VALUES, see Layer.check); returns true when
   * the positions or the axis' presence changed.
   */
  add(value: AxisValue, real: boolean): boolean {
    const wasPresent = this.present;
    if (real) this.present = true;
    const before = this.positions.length;
    if (!this.seen.has(value)) {
      this.seen.add(value);
      this.positions.add(value);
      if (isWhole(value)) this.wholes.add(value);
      this.widen();
    }
    return this.positions.length !== before || wasPresent !== this.present;
  }

  /** Fill 1..W for channel, z and timepoint (see the file comment), if there is room. */
  private widen(): void {
    if (!WIDENED.has(this.name)) return;
    const cap = Math.min(MAX_AXIS_VALUES, 2 * this.seen.size + WIDEN_SLACK);
    const upToCap = this.wholes.countBelow(cap + 1);
    const target = upToCap > 0 ? this.wholes.at(upToCap - 1)! : 0;
    if (target <= this.widenedTo) return;
    const seenInRange = upToCap - this.wholes.countBelow(this.widenedTo + 1);
    const added = target - this.widenedTo - seenInRange;
    if (this.positions.length + added > MAX_AXIS_VALUES) return; // stays narrower
    const fill: number[] = [];
    for (let v = this.widenedTo + 1; v <= target; v++) if (!this.positions.has(v)) fill.push(v);
    this.positions.addAll(fill);
    this.widenedTo = target;
  }
}
