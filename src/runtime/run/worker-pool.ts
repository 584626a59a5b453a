/**
 * Runs module step functions on a piscina worker pool. Pixels cross threads by transfer, not
 * by copy, when the orchestrator owns the buffer (a stack it just assembled); results come
 * back by transfer too (Piscina.move in the worker).
 *
 * The worker entry is a tiny generated ES module written to a private temp folder (mkdtemp,
 * mode 0700) when the pool starts: it then loads the same way from `src/` under jest, from
 * `lib/` in Node and from Deno, without a build step or a file outside the package.
 * Checked: piscina 5 runs under Deno 2 (node:worker_threads) with transfers in both directions.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { isDtype, typedArrayCtor, type Dtype } from '../../protocol/index.js';
import { validateNdArray, type NdArray } from '../model/image-data.js';
import type { MeasuredArray, MeasurementTable } from '../model/measurement-table.js';
import type { ModuleFunction, StepContext } from '../model/step.js';

/** Stack data as it crosses the thread boundary. */
interface WireArray {
  buffer: ArrayBuffer;
  byteOffset: number;
  length: number;
  shape: number[];
  dtype: Dtype | null;
  /** A measurement table the function returned beside its pixels (plain data). */
  table?: unknown;
}

const WORKER_SOURCE = (piscinaUrl: string) => `
import * as piscinaModule from ${JSON.stringify(piscinaUrl)};
import { pathToFileURL } from 'node:url';
const Piscina = piscinaModule.Piscina ?? piscinaModule.default?.Piscina ?? piscinaModule.default;
const CTORS = { uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array, int16: Int16Array,
  uint32: Uint32Array, int32: Int32Array, float32: Float32Array, float64: Float64Array };
const modules = new Map();
async function load(module, name) {
  const url = module.startsWith('file:') ? module : pathToFileURL(module).href;
  if (!modules.has(url)) modules.set(url, import(url));
  const fn = (await modules.get(url))[name];
  if (typeof fn !== 'function') throw new Error('module ' + module + ' has no exported function ' + name);
  return fn;
}
export default async function runStepFunction({ module, name, stack, context }) {
  const data = new CTORS[stack.dtype](stack.buffer, stack.byteOffset, stack.length);
  const fn = await load(module, name);
  const out = await fn({ data, shape: stack.shape, dtype: stack.dtype }, context);
  if (!out || !ArrayBuffer.isView(out.data) || !Array.isArray(out.shape)) {
    throw new Error('returned ' + (out === null ? 'null' : typeof out) + ' instead of an array {data, shape, dtype}');
  }
  const d = out.data;
  const value = { buffer: d.buffer, byteOffset: d.byteOffset, length: d.length, shape: [...out.shape], dtype: out.dtype ?? Object.keys(CTORS).find((k) => d instanceof CTORS[k]) ?? null, table: out.table };
  if (d.buffer instanceof ArrayBuffer) {
    return Piscina.move({ [Piscina.transferableSymbol]: [d.buffer], [Piscina.valueSymbol]: value });
  }
  return value;
}
`;

export class StepWorkerPool {
  private constructor(
    private readonly pool: Piscina,
    private readonly dir: string
  ) {}

  static async start(threads: number): Promise<StepWorkerPool> {
    const piscinaPath = createRequire(import.meta.url).resolve('piscina');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pipeline-viewer-worker-'));
    const file = path.join(dir, 'step-worker.mjs');
    await writeFile(file, WORKER_SOURCE(pathToFileURL(piscinaPath).href), { mode: 0o600 });
    const pool = new Piscina({
      filename: pathToFileURL(file).href,
      minThreads: 1,
      maxThreads: threads,
      idleTimeout: 5_000
    });
    return new StepWorkerPool(pool, dir);
  }

  /**
   * Runs `ref` on `stack` in a worker. With `transfer` the stack's buffer moves to the worker
   * (it is unusable here afterwards); without, it is copied (structured clone).
   */
  async run(
    ref: ModuleFunction,
    stack: NdArray,
    context: StepContext,
    transfer: boolean,
    signal?: AbortSignal
  ): Promise<MeasuredArray> {
    const d = stack.data;
    const movable = transfer && d.buffer instanceof ArrayBuffer;
    const task = {
      module: ref.module,
      name: ref.export ?? 'default',
      stack: {
        buffer: d.buffer,
        byteOffset: d.byteOffset,
        length: d.length,
        shape: [...stack.shape],
        dtype: stack.dtype
      },
      context
    };
    const wire = (await this.pool.run(task, {
      transferList: movable ? [d.buffer as ArrayBuffer] : [],
      signal
    })) as WireArray;
    return fromWire(wire);
  }

  async destroy(): Promise<void> {
    try {
      await this.pool.destroy();
    } finally {
      await rm(this.dir, { recursive: true, force: true });
    }
  }
}

function fromWire(wire: WireArray): MeasuredArray {
  if (!isDtype(wire.dtype))
    throw new TypeError(
      `a worker step function returned pixels of unknown type '${String(wire.dtype)}'`
    );
  const Ctor = typedArrayCtor(wire.dtype);
  const array: MeasuredArray = {
    data: new Ctor(wire.buffer, wire.byteOffset, wire.length),
    shape: wire.shape,
    dtype: wire.dtype,
    ...(wire.table === undefined ? {} : { table: wire.table as MeasurementTable })
  };
  validateNdArray(array, 'result of a worker step function');
  return array;
}
