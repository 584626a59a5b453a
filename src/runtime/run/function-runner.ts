/**
 * Applies a step's function chain to one stack, each function where the compiler placed it:
 * module functions on the worker pool, inline functions (closures) in this process.
 */
import { pathToFileURL } from 'node:url';
import type { FunctionPlacement } from '../compile/compiled-plan.js';
import type { NdArray } from '../model/image-data.js';
import { tableOf, type MeasuredArray, type MeasurementTable } from '../model/measurement-table.js';
import { asStack, type Stack } from './stack.js';
import {
  isModuleFunction,
  type FunctionChain,
  type FunctionPattern,
  type ModuleFunction,
  type StepContext,
  type StepFunction
} from '../model/step.js';
import type { StepWorkerPool } from './worker-pool.js';

export class FunctionRunner {
  private readonly modules = new Map<string, Promise<Record<string, unknown>>>();

  /** `timeoutMs` bounds each function call (OpenHCS has none; a stuck function would hang the run). */
  constructor(
    private readonly pool: StepWorkerPool | null,
    private readonly timeoutMs: number
  ) {}

  /** The chain for a group: the dict entry of its groupBy value, or the whole pattern. */
  static chainFor(
    func: FunctionPattern,
    groupKey: string | null
  ): { key: string; chain: (StepFunction | ModuleFunction)[] } {
    const isDict = typeof func === 'object' && !Array.isArray(func) && !isModuleFunction(func);
    if (!isDict) return { key: '*', chain: asList(func as FunctionChain) };
    const dict = func as Record<string, FunctionChain>;
    const key = String(groupKey);
    if (!(key in dict))
      throw new Error(
        `the func dict has no function for value '${key}' (keys: ${Object.keys(dict).join(', ')})`
      );
    return { key, chain: asList(dict[key]) };
  }

  async apply(
    chain: (StepFunction | ModuleFunction)[],
    placement: FunctionPlacement[],
    input: Stack,
    context: Omit<StepContext, 'args'>
  ): Promise<MeasuredArray> {
    let stack = input;
    // A function may return a measurement table beside its pixels; the chain's last one counts.
    let table: MeasurementTable | undefined;
    const measured = (value: unknown, what: string) => {
      table = tableOf(value, what) ?? table;
      return value;
    };
    for (const [i, spec] of chain.entries()) {
      const where = `function ${i + 1} of ${chain.length}`;
      let result: NdArray;
      if (typeof spec === 'function') {
        const fn = spec;
        result = asStack(
          measured(
            await this.bounded(`${where} (inline)`, async () =>
              fn(stack.array, { ...context, args: {} })
            ),
            `${where} (inline)`
          ),
          `${where} (inline)`
        );
        // An inline function may hand back its input or a view of it: never transfer that.
        stack = { array: result, owned: false };
      } else if (placement[i] === 'workers' && this.pool) {
        result = asStack(
          measured(
            await this.bounded(`${where} (${spec.export ?? 'default'} on a worker)`, signal =>
              this.pool!.run(
                spec,
                stack.array,
                { ...context, args: spec.args ?? {} },
                stack.owned,
                signal
              )
            ),
            `${where} (${spec.export ?? 'default'} on a worker)`
          ),
          `${where} (${spec.export ?? 'default'} on a worker)`
        );
        stack = { array: result, owned: true };
      } else {
        const fn = await this.importFunction(spec);
        result = asStack(
          measured(
            await this.bounded(`${where} (${spec.export ?? 'default'})`, async () =>
              fn(stack.array, { ...context, args: spec.args ?? {} })
            ),
            `${where} (${spec.export ?? 'default'})`
          ),
          `${where} (${spec.export ?? 'default'})`
        );
        stack = { array: result, owned: false };
      }
    }
    return table ? { ...stack.array, table } : stack.array;
  }

  /**
   * Waits at most `timeoutMs` for a call. A worker call is aborted (piscina ends that worker
   * thread); an in-process call can only be abandoned, and a synchronous endless loop blocks
   * this thread before any timer can fire.
   */
  private async bounded<T>(what: string, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(
          new Error(
            `${what} did not finish within ${this.timeoutMs} ms (step_timeout_ms); ` +
              'check it for an endless wait, or raise step_timeout_ms in the global or pipeline config'
          )
        );
      }, this.timeoutMs);
    });
    try {
      return await Promise.race([call(controller.signal), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async importFunction(ref: ModuleFunction): Promise<StepFunction> {
    const url = ref.module.startsWith('file:') ? ref.module : pathToFileURL(ref.module).href;
    let loading = this.modules.get(url);
    if (!loading) {
      loading = import(url) as Promise<Record<string, unknown>>;
      this.modules.set(url, loading);
    }
    const fn = (await loading)[ref.export ?? 'default'];
    if (typeof fn !== 'function')
      throw new Error(
        `module '${ref.module}' has no exported function '${ref.export ?? 'default'}'`
      );
    return fn as StepFunction;
  }
}

function asList(chain: FunctionChain): (StepFunction | ModuleFunction)[] {
  return Array.isArray(chain) ? chain : [chain];
}
