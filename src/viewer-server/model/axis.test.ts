import { MAX_AXIS_VALUES } from '../../protocol/index.js';
import { Axis, WIDEN_SLACK } from './axis.js';
import { compareValues, type AxisValue } from './component-value.js';
import { SortedValues } from './sorted-values.js';

/** A fixed shuffle (no Math.random: the same order every run). */
function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  let seed = 12345;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('SortedValues', () => {
  it.each([
    ['descending', (n: number) => Array.from({ length: n }, (_, i) => n - i)],
    ['shuffled', (n: number) => shuffled(Array.from({ length: n }, (_, i) => i + 1))]
  ])('inserts %s values with O(log n) comparisons each and finds every index', (_, order) => {
    const n = MAX_AXIS_VALUES;
    let comparisons = 0;
    const sorted = new SortedValues<number>((a, b) => {
      comparisons++;
      return a - b;
    });
    for (const v of order(n)) sorted.add(v);
    // ⌈log2 n⌉ + 1 per insert for the binary search and the append test: not n per insert.
    expect(comparisons).toBeLessThanOrEqual(n * (Math.ceil(Math.log2(n)) + 1));
    comparisons = 0;
    const wrong: number[] = [];
    for (let v = 1; v <= n; v++) if (sorted.indexOf(v) !== v - 1) wrong.push(v);
    expect(wrong).toEqual([]);
    expect(comparisons).toBeLessThanOrEqual(n * (Math.ceil(Math.log2(n)) + 1));
    expect(sorted.length).toBe(n);
    expect(sorted.at(n - 1)).toBe(n);
    expect(sorted.indexOf(n + 1)).toBe(-1);
  });

  it('merges many values at once in order, skipping those already present', () => {
    const sorted = new SortedValues<number>((a, b) => a - b);
    for (const v of [5, 50, 500]) sorted.add(v);
    sorted.addAll([...Array.from({ length: 100 }, (_, i) => i + 1), 50, 5]);
    expect(sorted.values()).toEqual([...Array.from({ length: 100 }, (_, i) => i + 1), 500]);
    expect(sorted.indexOf(500)).toBe(100);
  });
});

describe('Axis', () => {
  it('keeps every value findable while 65,536 distinct values arrive in the worst order', () => {
    const axis = new Axis('well');
    const wells = Array.from(
      { length: MAX_AXIS_VALUES },
      (_, i) => `W${String(i).padStart(6, '0')}`
    );
    const started = Date.now();
    for (const well of [...wells].reverse()) axis.add(well, true);
    // "did not hang": the rebuilding axis took minutes for far fewer values
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(axis.length).toBe(MAX_AXIS_VALUES);
    const wrong = wells.filter((well, i) => axis.indexOf(well) !== i || axis.valueAt(i) !== well);
    expect(wrong).toEqual([]);
  });

  it('widens channel, z and timepoint to 1..max when the values are dense, as OpenHCS does', () => {
    const z = new Axis('z_index');
    for (const v of [3, 1, 7]) z.add(v, true);
    expect(z.values()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const site = new Axis('site');
    for (const v of [3, 1, 7]) site.add(v, true);
    expect(site.values()).toEqual([1, 3, 7]);
  });

  it('adds one position for a sparse huge value, not every number below it', () => {
    const z = new Axis('z_index');
    z.add(1, true);
    expect(z.add(MAX_AXIS_VALUES, true)).toBe(true);
    expect(z.values()).toEqual([1, MAX_AXIS_VALUES]);
    const t = new Axis('timepoint');
    t.add(2 + WIDEN_SLACK, true); // 1 value: widened up to 2 × 1 + slack
    expect(t.length).toBe(2 + WIDEN_SLACK);
  });

  it('only ever adds positions: a value once on the axis stays there', () => {
    const z = new Axis('z_index');
    let before: AxisValue[] = [];
    for (const v of [
      500,
      2,
      'x',
      40,
      1.5,
      0,
      100,
      7,
      300,
      ...Array.from({ length: 300 }, (_, i) => i + 1)
    ]) {
      z.add(v, true);
      const now = [...z.values()];
      const positions = new Set(now);
      expect(before.filter(v => !positions.has(v))).toEqual([]);
      expect(now.every((v, i) => i === 0 || compareValues(now[i - 1], v) < 0)).toBe(true);
      before = now;
    }
    expect(z.values().slice(0, 2)).toEqual([0, 1]);
    expect(z.indexOf(500)).toBe(z.length - 2);
    expect(z.valueAt(z.length - 1)).toBe('x');
  });

  it('never widens beyond MAX_AXIS_VALUES positions', () => {
    const z = new Axis('z_index');
    const strings = MAX_AXIS_VALUES / 2 - 1;
    for (let i = 0; i < strings; i++) z.add(`s${i}`, true);
    z.add(MAX_AXIS_VALUES - 1, true); // dense enough to widen, but 1..max does not fit
    expect(z.length).toBe(strings + 1);
  });
});
