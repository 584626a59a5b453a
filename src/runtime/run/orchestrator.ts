/**
 * runPlan(plan, deps) executes a compiled plan (`run` in runtime/index.ts calls it with the
 * default backends and viewer sink): steps in order within a well, wells in parallel (at most
 * `well_concurrency` at a time), module functions on a piscina worker pool, inline functions in
 * this process (see docs/runtime.md, "Where step functions run").
 *
 * A well's persistent outputs (main and checkpoints) are held until every step of that well has
 * succeeded and then written, so a step failing in one well writes nothing for that well and
 * cannot touch other wells' files. Should a write itself fail, the well's files written so far
 * are removed (disk) or reported as left behind (zarr planes in a shared store).
 * Streaming still happens after each step, from memory: a viewer sees results as they come.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers';
import type { ComponentNames, PixelSize } from '../../protocol/index.js';
import type {
  CompiledPlan,
  RequiredVisualizer,
  StepPlan,
  WellPlan
} from '../compile/compiled-plan.js';
import { FunctionRunner } from './function-runner.js';
import {
  groupPlanes,
  outputMetas,
  planeFileName,
  projectedComponents,
  PROJECTION_VALUE,
  type GroupedPlane
} from '../model/grouping.js';
import type { PlaneComponent } from '../model/step.js';
import type { NdArray } from '../model/image-data.js';
import type { RunEvent, RunResult, StepTiming, WellResult } from './run-result.js';
import { visualizerKey } from '../compile/selection.js';
import { assembleStack, checkPlateShapes, splitStack } from './stack.js';
import type { StreamBatch, StreamReport, StreamSink } from '../model/stream-sink.js';
import type { FileManager } from '../storage/file-manager.js';
import type { StorageBackendName } from '../compile/selection.js';
import { StepWorkerPool } from './worker-pool.js';
import { TableCollector, WellTables } from './measurement-tables.js';
import type { MeasuredArray } from '../model/measurement-table.js';

/** Opens the stream sink of one required visualizer. */
export type StreamSinkFor = (visualizer: RequiredVisualizer) => Promise<StreamSink>;

/**
 * What the orchestrator runs with. It knows storage and streaming only through these
 * interfaces; the entry points (`run` in runtime/index.ts, `runWithProgress`) supply the
 * concrete backends and the viewer sink.
 */
export interface RunDependencies {
  /** Reads plate images and step outputs, writes main outputs and checkpoints. */
  fileManager: FileManager;
  /**
   * `null`: nothing is streamed and the stream report counts the selected images as dropped.
   */
  streamSinkFor: StreamSinkFor | null;
  onEvent?: (event: RunEvent) => void;
  /** Stops the run: no well starts and a running well stops before its next step. */
  signal?: AbortSignal;
  /**
   * A worker pool to use instead of starting one for this run (a queue worker runs one
   * well per run: starting threads and importing modules per well cost ~0.25 s each).
   */
  pool?: StepWorkerPool;
}

interface PlaneOutput {
  plane: GroupedPlane;
  array: NdArray;
  /** Components the step reduced this plane over (a projection); streamed as such. */
  projected: PlaneComponent[];
}

interface PendingWrite {
  step: string;
  array: NdArray;
  path: string;
  backend: 'disk' | 'zarr';
}

interface SinkState {
  sink: StreamSink | null;
  error: string | null;
  batches: number;
  images: number;
}

export async function runPlan(plan: CompiledPlan, options: RunDependencies): Promise<RunResult> {
  const started = performance.now();
  const fileManager = options.fileManager;
  const needsPool = plan.steps.some(s =>
    Object.values(s.placement).some(p => p.includes('workers'))
  );
  const ownPool =
    needsPool && !options.pool
      ? await StepWorkerPool.start(plan.settings.values.num_workers)
      : null;
  const pool = needsPool ? (options.pool ?? ownPool) : null;
  const sinks = await openSinks(plan, options);
  const componentNames: ComponentNames = { channel: { ...plan.plate.channelNames } };
  const runner = new FunctionRunner(pool, plan.settings.values.step_timeout_ms);
  const emit = (e: RunEvent) => {
    try {
      options.onEvent?.(e);
    } catch {
      // A broken progress callback must not fail the pipeline.
    }
  };

  const results: WellResult[] = [];
  const tables = new TableCollector(plan.steps.map(s => s.name));
  try {
    const queue = [...plan.wells];
    const workers = Array.from(
      { length: Math.min(plan.settings.values.well_concurrency, queue.length) },
      async () => {
        for (let well = queue.shift(); well; well = queue.shift()) {
          const wellTables = new WellTables(well.well);
          const result = await runWell(plan, well, {
            fileManager,
            runner,
            sinks,
            componentNames,
            emit,
            pixelSize: plan.plate.pixelSize ?? null,
            tables: wellTables,
            signal: options.signal
          });
          if (result.status === 'ok') tables.keep(wellTables);
          results.push(result);
        }
      }
    );
    await Promise.all(workers);
  } finally {
    await ownPool?.destroy();
  }
  const stream = await closeSinks(plan, sinks);
  const order = new Map(plan.wells.map((w, i) => [w.well, i]));
  const written = await tables.write(
    plan.settings.values.output_dir,
    plan.wells.map(w => w.well)
  );
  results.sort((a, b) => (order.get(a.well) ?? 0) - (order.get(b.well) ?? 0));
  return {
    ok: results.every(r => r.status === 'ok'),
    durationMs: performance.now() - started,
    wells: results,
    tables: written,
    stream
  };
}

interface WellContext {
  fileManager: FileManager;
  /** The well's measurement tables, kept by the run only if the well succeeds. */
  tables: WellTables;
  /** The plate's pixel size, sent with every batch (the viewer's scale bar). */
  pixelSize: PixelSize | null;
  runner: FunctionRunner;
  sinks: Map<string, SinkState>;
  componentNames: ComponentNames;
  emit: (e: RunEvent) => void;
  signal?: AbortSignal;
}

async function runWell(
  plan: CompiledPlan,
  wellPlan: WellPlan,
  ctx: WellContext
): Promise<WellResult> {
  const started = performance.now();
  const well = wellPlan.well;
  ctx.emit({ type: 'well-started', well });
  const timings: StepTiming[] = [];
  const pending: PendingWrite[] = [];
  const memoryPaths: string[] = [];
  let current: GroupedPlane[] = wellPlan.inputs;
  // Components an earlier step projected (z of a max projection): later steps' outputs keep
  // the first input's value on disk, so they are streamed as projections too, and a labels
  // layer made from a projection lies over it in the viewer.
  const projectedSoFar = new Set<PlaneComponent>();
  let failedStep = plan.steps[0]?.name ?? '';
  const finish = (result: Omit<WellResult, 'well' | 'durationMs' | 'steps'>): WellResult => {
    const durationMs = performance.now() - started;
    ctx.emit({
      type: 'well-finished',
      well,
      status: result.status,
      durationMs,
      error: result.error?.message
    });
    return { well, durationMs, steps: timings, ...result };
  };
  try {
    for (const stepPlan of plan.steps) {
      failedStep = stepPlan.name;
      if (ctx.signal?.aborted) throw new Error(`cancelled before step '${stepPlan.name}'`);
      const t0 = performance.now();
      const outputs = await runStep(plan, stepPlan, well, current, ctx);
      // A macrotask turn after each step: Deno (the notebook kernel) handles zeromq's native
      // socket events only then, so a run of promise-only steps held the viewer's ping, clear
      // and every send until it ended (the demo's first image came after the whole run).
      await new Promise(resolve => setImmediate(resolve));
      const wellStep = wellPlan.steps[stepPlan.index];
      for (const out of outputs) {
        if (stepPlan.writeBackend === 'memory') {
          await ctx.fileManager.save(out.array, out.plane.path, 'memory');
          memoryPaths.push(out.plane.path);
        } else {
          pending.push({
            step: stepPlan.name,
            array: out.array,
            path: out.plane.path,
            backend: stepPlan.writeBackend
          });
        }
        if (wellStep.checkpoint) {
          const file = path.join(wellStep.checkpoint.dir, path.basename(out.plane.path));
          pending.push({
            step: stepPlan.name,
            array: out.array,
            path: file,
            backend: wellStep.checkpoint.backend
          });
        }
      }
      for (const out of outputs) for (const c of out.projected) projectedSoFar.add(c);
      if (wellStep.stream)
        stream(
          wellStep.stream.visualizer,
          stepPlan,
          well,
          outputs.map(o => ({ ...o, projected: [...projectedSoFar] })),
          wellStep.stream.targets[0].dir,
          ctx
        );
      current = outputs.map(o => o.plane);
      const durationMs = performance.now() - t0;
      timings.push({ step: stepPlan.name, durationMs, planes: outputs.length });
      ctx.emit({
        type: 'step-finished',
        well,
        step: stepPlan.name,
        durationMs,
        planes: outputs.length
      });
    }
  } catch (error) {
    return finish({
      status: 'failed',
      outputs: [],
      error: { step: failedStep, message: messageOf(error) },
      cleanup: { removed: [], leftBehind: [] }
    });
  } finally {
    forgetMemory(ctx.fileManager, memoryPaths);
  }
  return commit(pending, ctx.fileManager, finish);
}

/** Writes a finished well's persistent outputs; undoes what it can if a write fails. */
async function commit(
  pending: PendingWrite[],
  fileManager: FileManager,
  finish: (r: Omit<WellResult, 'well' | 'durationMs' | 'steps'>) => WellResult
): Promise<WellResult> {
  const written: PendingWrite[] = [];
  for (const write of pending) {
    try {
      await fileManager.save(write.array, write.path, write.backend);
      written.push(write);
    } catch (error) {
      const removed: string[] = [];
      const leftBehind: string[] = [];
      for (const w of written) {
        if (
          w.backend === 'disk' &&
          (await rm(w.path, { force: true }).then(
            () => true,
            () => false
          ))
        )
          removed.push(w.path);
        else leftBehind.push(w.path);
      }
      return finish({
        status: 'failed',
        outputs: [],
        error: { step: write.step, message: `writing ${write.path} failed: ${messageOf(error)}` },
        cleanup: { removed, leftBehind }
      });
    }
  }
  return finish({ status: 'ok', outputs: written.map(w => w.path) });
}

async function runStep(
  plan: CompiledPlan,
  stepPlan: StepPlan,
  well: string,
  inputs: GroupedPlane[],
  ctx: WellContext
): Promise<PlaneOutput[]> {
  const step = plan.pipeline.steps[stepPlan.index];
  const backend: StorageBackendName = stepPlan.readBackend;
  // Plate images are read fresh from disk, so their buffers are ours to transfer; memory
  // planes may be referenced by a queued stream batch, so they are copied when moved.
  const owned = backend !== 'memory';
  const groups = groupPlanes(inputs, stepPlan.variableComponents);
  const onWorkers = Object.values(stepPlan.placement).every(p => p.every(x => x === 'workers'));
  // The plate's images: whole files through the FileManager (ImageXpress, Harmony, pattern
  // plates), planes inside a zarr array or an OME-TIFF through the plate's own reader.
  const platePixels = stepPlan.index === 0 ? plan.plate.pixels : null;
  const processGroup = async (group: (typeof groups)[number]): Promise<PlaneOutput[]> => {
    const paths = group.planes.map(p => p.path);
    const arrays = platePixels
      ? await platePixels.load(paths)
      : await ctx.fileManager.loadBatch(paths, backend);
    const where = `step '${stepPlan.name}', well ${well}`;
    if (stepPlan.index === 0) checkPlateShapes(arrays, paths, where);
    const stack = assembleStack(arrays, owned, where);
    const groupKey = stepPlan.groupBy ? String(group.shared[stepPlan.groupBy]) : null;
    const { key, chain } = FunctionRunner.chainFor(step.func, groupKey);
    const metas = group.planes.map(p => p.meta);
    const result = await ctx.runner.apply(chain, stepPlan.placement[key], stack, {
      step: stepPlan.name,
      well,
      group: group.shared,
      planes: metas.map(m => ({ ...m, source: stepPlan.name }))
    });
    ctx.tables.add(stepPlan.name, group.shared, (result as MeasuredArray).table);
    const outMetas = outputMetas(metas, result.shape[0], stepPlan.variableComponents);
    const projected = projectedComponents(metas, result.shape[0], stepPlan.variableComponents);
    return splitStack(result).map((array, i) => ({
      array,
      plane: { meta: outMetas[i], path: path.join(stepPlan.outputDir, planeFileName(outMetas[i])) },
      projected
    }));
  };
  // Worker steps fan all groups out to the pool (it queues them); in-process steps run one
  // group at a time, as they would share the one thread anyway.
  const outputs: PlaneOutput[][] = [];
  if (onWorkers) outputs.push(...(await Promise.all(groups.map(processGroup))));
  else for (const g of groups) outputs.push(await processGroup(g));
  return outputs.flat();
}

function stream(
  key: string,
  stepPlan: StepPlan,
  well: string,
  outputs: PlaneOutput[],
  dir: string,
  ctx: WellContext
): void {
  const state = ctx.sinks.get(key);
  if (!state) return;
  const batch: StreamBatch = {
    step: stepPlan.name,
    well,
    items: outputs.map(o => ({
      path: path.join(dir, path.basename(o.plane.path)),
      array: o.array,
      metadata: {
        source: stepPlan.name,
        ...o.plane.meta,
        ...Object.fromEntries(o.projected.map(c => [c, PROJECTION_VALUE]))
      }
    })),
    display: stepPlan.display,
    componentNames: ctx.componentNames,
    ...(ctx.pixelSize ? { pixelSize: ctx.pixelSize } : {}),
    ...(stepPlan.labels ? { dataType: 'labels' as const } : {})
  };
  state.batches += 1;
  state.images += batch.items.length;
  try {
    state.sink?.enqueue(batch);
  } catch (error) {
    // The contract says enqueue never throws; should one, the run goes on without streaming.
    state.error ??= `enqueue failed: ${messageOf(error)}`;
  }
}

async function openSinks(
  plan: CompiledPlan,
  options: RunDependencies
): Promise<Map<string, SinkState>> {
  const sinks = new Map<string, SinkState>();
  for (const v of plan.requiredVisualizers) {
    const state: SinkState = { sink: null, error: null, batches: 0, images: 0 };
    const openSink = options.streamSinkFor;
    if (!openSink) state.error = 'streaming switched off (streamSinkFor: null); nothing was sent';
    else {
      try {
        state.sink = await openSink(v);
      } catch (error) {
        state.error = `could not open the viewer on ${v.host}:${v.port}: ${messageOf(error)}`;
      }
    }
    sinks.set(visualizerKey(v.port), state);
  }
  return sinks;
}

async function closeSinks(
  plan: CompiledPlan,
  sinks: Map<string, SinkState>
): Promise<RunResult['stream']> {
  const total: StreamReport = { sent: 0, dropped: 0, errors: [] };
  const byVisualizer: RunResult['stream']['byVisualizer'] = {};
  const timeout = plan.settings.values.stream_flush_timeout_ms;
  for (const [key, state] of sinks) {
    let report: StreamReport;
    if (!state.sink)
      report = { sent: 0, dropped: state.images, errors: state.error ? [state.error] : [] };
    else {
      try {
        report = await state.sink.flush(timeout);
      } catch (error) {
        report = { sent: 0, dropped: state.images, errors: [`flush failed: ${messageOf(error)}`] };
      }
      await state.sink
        .close()
        .catch((error: unknown) => report.errors.push(`close failed: ${messageOf(error)}`));
    }
    byVisualizer[key] = { ...report, batches: state.batches, images: state.images };
    total.sent += report.sent;
    total.dropped += report.dropped;
    if (report.replaced) total.replaced = (total.replaced ?? 0) + report.replaced;
    if (report.unconfirmed) total.unconfirmed = (total.unconfirmed ?? 0) + report.unconfirmed;
    total.errors.push(...report.errors.map(e => `${key}: ${e}`));
  }
  return { total, byVisualizer };
}

/** Frees a well's intermediate planes once the well is done (or failed). */
function forgetMemory(fileManager: FileManager, paths: string[]): void {
  const memory = fileManager.backend('memory');
  if (memory.delete) for (const p of paths) memory.delete(p);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
