/**
 * Input checks of the step functions. Every error names the step (when the function runs in
 * one), the function and the allowed values, e.g.
 * `Step 'Segment', function thresholdOtsu: dtype float32 is not supported; allowed: uint8, uint16`.
 */
import type { Dtype } from '../../protocol/index.js';
import type { NdArray } from '../model/image-data.js';
import type { StepContext } from '../model/step.js';

/** What a function needs of its context: its arguments, and the step name for errors. */
export type FunctionContext = Partial<Omit<StepContext, 'args'>> & {
  args?: Record<string, unknown>;
};

export class FunctionInputError extends Error {
  constructor(
    readonly fn: string,
    readonly step: string | undefined,
    problem: string
  ) {
    super(`${step ? `Step '${step}', ` : ''}function ${fn}: ${problem}`);
    this.name = 'FunctionInputError';
  }
}

/** Names the function and step in the errors of one call. */
export class Checker {
  constructor(
    readonly fn: string,
    readonly context: FunctionContext | undefined
  ) {}

  fail(problem: string): never {
    throw new FunctionInputError(this.fn, this.context?.step, problem);
  }

  get args(): Record<string, unknown> {
    return this.context?.args ?? {};
  }

  dtype(array: NdArray, allowed: readonly Dtype[]): void {
    if (!allowed.includes(array.dtype))
      this.fail(`dtype ${array.dtype} is not supported; allowed: ${allowed.join(', ')}`);
  }

  /** A plane [y, x] or a stack of planes [n, y, x]; returns n, height and width. */
  planes(array: NdArray): { n: number; height: number; width: number } {
    const s = array.shape;
    if (s.length === 2) return { n: 1, height: s[0], width: s[1] };
    if (s.length === 3) return { n: s[0], height: s[1], width: s[2] };
    return this.fail(
      `needs a plane [y, x] or a stack of planes [n, y, x], got shape [${s.join(', ')}]`
    );
  }

  /** Exactly one plane: [y, x] or [1, y, x]. */
  plane(array: NdArray): { height: number; width: number } {
    const { n, height, width } = this.planes(array);
    if (n !== 1)
      this.fail(
        `needs one plane [y, x], got a stack of ${n} planes [${array.shape.join(', ')}]; ` +
          'give the step variableComponents that leave one plane per group'
      );
    return { height, width };
  }

  /** A number argument within [min, max] (inclusive unless `exclusiveMin`), or its default. */
  number(
    name: string,
    fallback: number,
    range: { min: number; max: number; integer?: boolean; exclusiveMin?: boolean }
  ): number {
    const value = this.args[name] ?? fallback;
    const allowed =
      `${range.integer ? 'an integer' : 'a number'} ${range.exclusiveMin ? '>' : '≥'} ${range.min}` +
      ` and ≤ ${range.max}`;
    if (typeof value !== 'number' || !Number.isFinite(value))
      this.fail(
        `parameter ${name} = ${JSON.stringify(value)} is not a number; allowed: ${allowed}`
      );
    const low = range.exclusiveMin ? value <= range.min : value < range.min;
    if (low || value > range.max || (range.integer && !Number.isInteger(value)))
      this.fail(`parameter ${name} = ${value} is out of range; allowed: ${allowed}`);
    return value;
  }

  choice<T extends string | number>(name: string, fallback: T, allowed: readonly T[]): T {
    const value = (this.args[name] ?? fallback) as T;
    if (!allowed.includes(value))
      this.fail(
        `parameter ${name} = ${JSON.stringify(value)} is not allowed; allowed: ${allowed.join(', ')}`
      );
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.args[name] ?? fallback;
    if (typeof value !== 'boolean')
      this.fail(
        `parameter ${name} = ${JSON.stringify(value)} is not allowed; allowed: true, false`
      );
    return value;
  }
}
