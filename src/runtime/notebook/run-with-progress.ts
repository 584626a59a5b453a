/**
 * `runWithProgress(plan)`: `run(plan)` with a live progress output in the notebook cell
 * (wells done / total, frames streamed, drops, elapsed) and a summary at the end whose
 * button opens the docked viewer. Frames are counted as the orchestrator hands them to the
 * stream sink; the summary uses the server-confirmed counts of the run's result.
 */
import { DEFAULT_DATA_PORT } from '../../protocol/ports.js';
import type { CompiledPlan, RequiredVisualizer } from '../compile/compiled-plan.js';
import { run, type RunOptions } from '../index.js';
import type { RunEvent, RunResult } from '../run/run-result.js';
import type { StreamBatch, StreamSink } from '../model/stream-sink.js';
import { viewerManagerFor } from '../streaming/viewer-manager.js';
import { viewerStreamSink } from '../streaming/viewer-sink.js';
import { degradation, RunProgressDisplay, type DisplayFn } from './progress.js';

export interface RunWithProgressOptions extends RunOptions {
  title?: string;
  /** Where progress goes; default the Deno kernel's display (none outside a kernel). */
  display?: DisplayFn | null;
}

/** Counts the images the orchestrator hands over, accepted or dropped at once. */
class CountingSink implements StreamSink {
  constructor(
    private readonly inner: StreamSink,
    private readonly onBatch: (accepted: boolean, images: number) => void
  ) {}

  enqueue(batch: StreamBatch): boolean {
    const accepted = this.inner.enqueue(batch);
    this.onBatch(accepted, batch.items.length);
    return accepted;
  }

  flush(timeoutMs: number) {
    return this.inner.flush(timeoutMs);
  }

  close() {
    return this.inner.close();
  }
}

export async function runWithProgress(
  plan: CompiledPlan,
  options: RunWithProgressOptions = {}
): Promise<RunResult> {
  const { title, display, onEvent, streamSinkFor, ...runOptions } = options;
  const viewer = plan.requiredVisualizers[0];
  const port = viewer?.port ?? DEFAULT_DATA_PORT;
  const progress = new RunProgressDisplay({
    title: title ?? `Pipeline "${plan.pipeline.name}" on plate ${plan.plate.name}`,
    port,
    wellsTotal: plan.wells.length,
    ...(display !== undefined ? { display } : {})
  });
  let wellsDone = 0;
  let framesStreamed = 0;
  let drops = 0;
  // A queued run (docs/cluster.md) also shows wells per worker, retries and failures.
  const queue =
    runOptions.executor?.kind === 'queue'
      ? { workers: {} as Record<string, { done: number; failed: number }>, retries: 0, failed: 0 }
      : undefined;
  const update = () => progress.update({ wellsDone, framesStreamed, drops, queue });

  // The default sink is opened here (to count what it is handed); the default file manager
  // comes from `run` (runtime/index.ts).
  const openSink =
    streamSinkFor === null
      ? null
      : async (v: RequiredVisualizer): Promise<StreamSink> => {
          const inner = streamSinkFor
            ? await streamSinkFor(v)
            : await viewerStreamSink({ port: v.port, host: v.host, persistent: v.persistent });
          return new CountingSink(inner, (accepted, images) => {
            if (accepted) framesStreamed += images;
            else drops += images;
            update();
          });
        };

  try {
    const result = await run(plan, {
      ...runOptions,
      streamSinkFor: openSink,
      onEvent: event => {
        if (event.type === 'well-finished') {
          wellsDone += 1;
          if (queue) countQueued(queue, event);
          update();
        } else if (event.type === 'well-retried' && queue) {
          queue.retries += 1;
          update();
        }
        onEvent?.(event);
      }
    });
    const failed = result.wells.filter(w => w.status === 'failed');
    const manager = viewer ? viewerManagerFor({ port: viewer.port, host: viewer.host }) : null;
    // A server killed mid-run must not end as "done" with its dead pid (issue 10, 17).
    // Only the default sink streams to the manager's server; a custom sink reports drops only.
    const viewerSink = manager !== null && streamSinkFor === undefined && !queue;
    const serverAlive = viewerSink ? await manager.isRunning().catch(() => false) : true;
    const { sent, dropped, errors } = result.stream.total;
    const warning =
      streamSinkFor === null
        ? undefined
        : degradation({
            sent,
            dropped,
            serverAlive,
            serverPid: manager?.pid ?? null,
            port: manager?.dataPort ?? port,
            errors
          });
    progress.finish({
      wellsDone: result.wells.length,
      queue,
      framesStreamed: sent,
      drops: dropped,
      serverPid: serverAlive ? (manager?.pid ?? null) : null,
      ...(warning ? { warning } : {}),
      ...(manager ? { port: manager.dataPort } : {}),
      ...(failed.length > 0
        ? {
            error: failed
              .map(
                w =>
                  `${w.well}: ${w.error ? `step "${w.error.step}": ${w.error.message}` : 'failed'}`
              )
              .join('\n')
          }
        : {})
    });
    return result;
  } catch (err) {
    progress.finish({ wellsDone, framesStreamed, drops, error: err });
    throw err;
  }
}

type QueueProgress = { workers: Record<string, { done: number; failed: number }>; failed: number };

function countQueued(queue: QueueProgress, event: Extract<RunEvent, { type: 'well-finished' }>) {
  if (event.status === 'failed') queue.failed += 1;
  if (!event.worker) return;
  const w = (queue.workers[event.worker] ??= { done: 0, failed: 0 });
  if (event.status === 'ok') w.done += 1;
  else w.failed += 1;
}
