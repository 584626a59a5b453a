/**
 * The compiler's checks of step functions: one is given, a dict covers every value of its
 * groupBy component, inline functions stay in this process, and each module function imports
 * and exports the named function.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CompileError } from './compile-error.js';
import {
  isModuleFunction,
  type FunctionChain,
  type FunctionSpec,
  type Step
} from '../model/step.js';
import type { Plate } from '../plate/plate.js';

export function checkFuncGiven(step: Step): void {
  const func = step.func;
  if (func === undefined || func === null) {
    throw new CompileError(
      step.name,
      'no function given',
      'pass func: an inline function or { module, export } of a module function'
    );
  }
}

/** A dict of functions needs groupBy, and a function for each value of it on the plate. */
export function checkFuncDict(step: Step, dict: Record<string, FunctionChain>, plate: Plate): void {
  if (step.groupBy === null) {
    throw new CompileError(
      step.name,
      'func is a dict of functions but groupBy is not set',
      "set groupBy: 'channel' (keys are channel numbers as strings: '1', '2')"
    );
  }
  const groupBy = step.groupBy;
  const values = [...new Set(plate.images.map(img => img[groupBy]))].sort(
    (a, b) => (a ?? 0) - (b ?? 0)
  );
  const missing = values.filter(v => !(String(v) in dict));
  if (missing.length > 0) {
    throw new CompileError(
      step.name,
      `func dict has no function for ${groupBy} ${missing.map(String).join(', ')} (the plate has ${groupBy} ${values.map(String).join(', ')})`,
      `add keys ${missing.map(v => `'${String(v)}'`).join(', ')} to the func dict`
    );
  }
}

/** A chain is not empty; each entry is an inline function (not for workers) or a module one. */
export async function checkChain(
  step: Step,
  list: readonly FunctionSpec[],
  where: string
): Promise<void> {
  if (list.length === 0)
    throw new CompileError(
      step.name,
      `${where} is an empty list of functions`,
      'put at least one function in it'
    );
  for (const [i, spec] of list.entries()) {
    const at = list.length > 1 ? `${where}[${i}]` : where;
    if (typeof spec === 'function') {
      if (step.runOn === 'workers') {
        throw new CompileError(
          step.name,
          `${at} is an inline function (defined in this process, e.g. in a notebook cell) and runOn is 'workers'; ` +
            'a closure cannot be moved to another thread: it may capture variables of this process',
          "move the function into a module file and pass { module: '/abs/path/fns.js', export: 'name' }, or use runOn: 'main'"
        );
      }
    } else if (isModuleFunction(spec)) {
      await checkModuleFunction(step, spec.module, spec.export ?? 'default', at);
    } else {
      throw new CompileError(
        step.name,
        `${at} is not a function (got ${describe(spec)})`,
        "pass a function or { module: '/abs/path/fns.js', export: 'name' }"
      );
    }
  }
}

async function checkModuleFunction(
  step: Step,
  module: string,
  exportName: string,
  where: string
): Promise<void> {
  let url: string;
  if (module.startsWith('file:')) url = module;
  else if (path.isAbsolute(module)) url = pathToFileURL(module).href;
  else {
    throw new CompileError(
      step.name,
      `${where}.module '${module}' is not an absolute path or file: URL, so worker threads could not find it`,
      "use an absolute path or new URL('./fns.js', import.meta.url).href"
    );
  }
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(url)) as Record<string, unknown>;
  } catch (cause) {
    throw new CompileError(
      step.name,
      `cannot import ${where}.module '${fileURLToPath(url)}': ${(cause as Error).message}`,
      'check the path and that the file is JavaScript (build TypeScript first)'
    );
  }
  if (typeof loaded[exportName] !== 'function') {
    const functions = Object.keys(loaded).filter(k => typeof loaded[k] === 'function');
    throw new CompileError(
      step.name,
      `module '${fileURLToPath(url)}' has no exported function '${exportName}'`,
      `export it, or use one of: ${functions.join(', ') || '(no functions exported)'}`
    );
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object')
    return `an object with keys ${Object.keys(value as object).join(', ') || '(none)'}`;
  return `${typeof value} ${String(value)}`;
}
