/**
 * What a queued run knows of its wells: each well's outcome once settled, wells done and
 * failed per worker, retries. It turns workers' progress into the run's events (each tagged
 * with the worker) and the outcomes into a RunResult.
 */
import type { RunEvent, RunResult, WellResult, WorkerTally } from '../run/run-result.js';
import type { WellJobResult } from './well-job.js';

export class QueueTally {
  private readonly outcomes = new Map<string, WellResult>();
  private readonly workers: Record<string, WorkerTally> = {};
  private readonly sent = { sent: 0, dropped: 0, errors: [] as string[] };
  private retries = 0;
  private allSettled: (() => void) | null = null;

  constructor(
    private readonly wells: readonly string[],
    private readonly onEvent?: (event: RunEvent) => void
  ) {}

  onAllSettled(callback: () => void): void {
    this.allSettled = callback;
    this.checkAll();
  }

  isSettled(well: string): boolean {
    return this.outcomes.has(well);
  }

  /** A worker's progress (a RunEvent it emitted, tagged with its id). */
  progress(well: string, data: unknown): void {
    if (this.isSettled(well) || typeof data !== 'object' || data === null) return;
    const event = data as RunEvent;
    // A worker's own well-finished may be an attempt that is retried: the run says when it is final.
    if (event.type === 'well-started' || event.type === 'step-finished')
      this.emit({ ...event, well });
    else if (event.type === 'well-retried') this.retried(well, event.reason);
  }

  retried(well: string, reason: string): void {
    if (this.isSettled(well)) return;
    this.retries += 1;
    this.emit({ type: 'well-retried', well, reason });
  }

  completed(well: string, value: WellJobResult): void {
    // The completed event and the watch's poll may both settle a well: count it once.
    if (this.isSettled(well)) return;
    const entry = this.worker(value.worker, value.host);
    entry.wellsDone += 1;
    this.sent.sent += value.stream.sent;
    this.sent.dropped += value.stream.dropped;
    this.sent.errors.push(...value.stream.errors.map(e => `${value.worker}: ${e}`));
    this.settle(well, value.result, value.worker);
  }

  /** A well whose last attempt failed; the worker says `step 'name': message`. */
  failed(well: string, reason: string, attempts: number, worker?: string): void {
    const parts = /^step '([^']*)': ([\s\S]*)$/.exec(reason);
    const plural = attempts === 1 ? '' : 's';
    this.settle(
      well,
      {
        well,
        status: 'failed',
        durationMs: 0,
        steps: [],
        outputs: [],
        error: {
          step: parts?.[1] ?? '',
          message: `${parts?.[2] ?? reason} (after ${attempts} attempt${plural})`
        }
      },
      worker
    );
  }

  settle(well: string, result: WellResult, worker?: string): void {
    if (this.isSettled(well)) return;
    this.outcomes.set(well, result);
    if (result.status === 'failed' && worker) this.worker(worker).wellsFailed += 1;
    this.emit({
      type: 'well-finished',
      well,
      status: result.status,
      durationMs: result.durationMs,
      error: result.error?.message,
      ...(worker ? { worker } : {})
    });
    this.checkAll();
  }

  result(durationMs: number, cancelled: boolean): RunResult {
    const wells = this.wells.map(w => this.outcomes.get(w)!).filter(Boolean);
    return {
      ok: !cancelled && wells.length === this.wells.length && wells.every(w => w.status === 'ok'),
      durationMs,
      wells,
      tables: [],
      cancelled,
      queue: { workers: this.workers, retries: this.retries },
      stream: { total: this.sent, byVisualizer: {} }
    };
  }

  private worker(id: string, host?: string): WorkerTally {
    this.workers[id] ??= { host: host ?? id.split(':')[0], wellsDone: 0, wellsFailed: 0 };
    return this.workers[id];
  }

  private checkAll(): void {
    if (this.allSettled && this.outcomes.size >= this.wells.length) this.allSettled();
  }

  private emit(event: RunEvent): void {
    try {
      this.onEvent?.(event);
    } catch {
      // A broken progress callback must not fail the run.
    }
  }
}
