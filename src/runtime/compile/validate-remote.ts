/**
 * The check a queue executor needs (docs/cluster.md): a well runs on another machine, which
 * receives the compiled plan as data. A module function travels as its path and export name;
 * an inline notebook function is a closure of this kernel and cannot travel.
 */
import { CompileError } from './compile-error.js';
import type { Pipeline } from '../model/pipeline.js';
import { isModuleFunction, type FunctionPattern } from '../model/step.js';

/** Throws a CompileError naming the first step with an inline function. */
export function checkRemotable(pipeline: Pipeline): void {
  for (const step of pipeline.steps) {
    const inline = inlineFunctions(step.func);
    if (inline > 0)
      throw new CompileError(
        step.name,
        `${inline === 1 ? 'an inline function' : `${inline} inline functions`} cannot run on ` +
          'queue workers (other processes or machines receive the plan as data, not closures)',
        'move the function into a module file on storage every worker reaches and pass ' +
          "func: { module: '/shared/path/steps.js', export: 'name' }, or run with the " +
          'in-process executor'
      );
  }
}

function inlineFunctions(func: FunctionPattern): number {
  if (typeof func === 'function') return 1;
  if (Array.isArray(func)) return func.filter(f => typeof f === 'function').length;
  if (isModuleFunction(func)) return 0;
  return Object.values(func).reduce<number>((n, chain) => n + inlineFunctions(chain), 0);
}
