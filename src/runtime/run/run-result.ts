/** What `run` reports: per well status and timings, outputs written, and what was streamed. */
import type { StreamReport } from '../model/stream-sink.js';
import type { RunTable } from './measurement-tables.js';

export type { RunTable } from './measurement-tables.js';

export interface StepTiming {
  step: string;
  durationMs: number;
  /** Planes the step produced in this well. */
  planes: number;
}

export interface WellResult {
  well: string;
  status: 'ok' | 'failed';
  durationMs: number;
  steps: StepTiming[];
  /** Files (disk) or planes (zarr: `<store>/<name>`) written for this well. */
  outputs: string[];
  /** Set when the well failed: the step that failed (or whose outputs could not be written) and why. */
  error?: { step: string; message: string };
  /**
   * After a failure: persistent outputs removed again, and any that could not be (zarr planes
   * inside a shared store). Empty when the failure happened before anything was written.
   */
  cleanup?: { removed: string[]; leftBehind: string[] };
}

export interface RunResult {
  ok: boolean;
  durationMs: number;
  wells: WellResult[];
  /**
   * Measurement tables of steps whose functions returned one (succeeded wells only): per
   * step the objects and a per-well summary, written to `<output_dir>/tables/` as CSV and
   * Parquet. Empty when no step measures.
   */
  tables: RunTable[];
  /** Queue executor: the run was cancelled (wells not run are failed with the reason). */
  cancelled?: boolean;
  /** Queue executor: per worker (`host:pid`), and the retries of all wells. */
  queue?: { workers: Record<string, WorkerTally>; retries: number };
  stream: {
    /** Sum over all viewers. */
    total: StreamReport;
    /** Per required visualizer (`pipeline-viewer:<port>`). */
    byVisualizer: Record<string, StreamReport & { batches: number; images: number }>;
  };
}

/** Progress, for a notebook progress bar or a log. */
export type RunEvent =
  | { type: 'well-started'; well: string; worker?: string }
  | {
      type: 'step-finished';
      well: string;
      step: string;
      durationMs: number;
      planes: number;
      worker?: string;
    }
  | {
      type: 'well-finished';
      well: string;
      status: 'ok' | 'failed';
      durationMs: number;
      error?: string;
      worker?: string;
    }
  /** Queue executor: an attempt of the well failed or its worker died; it runs again. */
  | { type: 'well-retried'; well: string; reason: string };

/** Queue executor: what one worker (`host:pid`) did in a run. */
export interface WorkerTally {
  host: string;
  wellsDone: number;
  wellsFailed: number;
}
