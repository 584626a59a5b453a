/**
 * The rich output a notebook run shows in its cell (progress, summary, a viewer handle).
 * The runtime's notebook helper emits it through the kernel's display mechanism; the
 * JupyterLab extension renders it with a live progress line and a button that opens or
 * focuses the docked viewer of the same port. Other frontends fall back to text/html.
 */
import { z } from 'zod';

export const PROGRESS_MIME_TYPE = 'application/vnd.jupyterlab-pipeline-viewer.progress+json';

export const RunProgressSchema = z.object({
  /**
   * 'running' while a run streams; at its end 'done', 'failed' (a well failed), or
   * 'degraded' (it finished but frames were lost, `warning` says why); 'viewer' for `show()`.
   */
  phase: z.enum(['running', 'done', 'failed', 'degraded', 'viewer']),
  title: z.string(),
  /** Data port of the viewer server the frames go to. */
  port: z.number().int().min(1).max(65535),
  wells_done: z.number().int().min(0),
  wells_total: z.number().int().min(0),
  frames_streamed: z.number().int().min(0),
  drops: z.number().int().min(0),
  elapsed_s: z.number().min(0),
  server_pid: z.number().int().nullable().default(null),
  /** Why a run failed, shown in the summary. */
  error: z.string().optional(),
  /** Why a run is degraded, e.g. "the viewer server stopped mid-run: 75 % of frames dropped". */
  warning: z.string().optional(),
  /** Unix ms when this output was made; the panel opens by itself only for fresh outputs. */
  created_at: z.number(),
  /** Ask the frontend to open (or focus) the docked viewer as soon as this is shown. */
  open_viewer: z.boolean().default(false),
  /** Queue executor (docs/cluster.md): wells done and failed per worker (`host:pid`), retries. */
  queue: z
    .object({
      workers: z.record(
        z.string(),
        z.object({ done: z.number().int().min(0), failed: z.number().int().min(0) })
      ),
      retries: z.number().int().min(0),
      failed: z.number().int().min(0)
    })
    .optional()
});
export type RunProgress = z.infer<typeof RunProgressSchema>;

/** "3 workers (a:12 9 done, b:40 8 done, 1 failed) · 2 retries · 1 failed": a queued run's part. */
export function queueProgressText(q: NonNullable<RunProgress['queue']>): string {
  const ids = Object.keys(q.workers).sort();
  const each = ids.map(id => {
    const w = q.workers[id];
    return `${id} ${w.done} done${w.failed ? `, ${w.failed} failed` : ''}`;
  });
  const workers = `${ids.length} worker${ids.length === 1 ? '' : 's'}${ids.length ? ` (${each.join('; ')})` : ''}`;
  return `${workers} · ${q.retries} ${q.retries === 1 ? 'retry' : 'retries'} · ${q.failed} failed`;
}

/** Outputs older than this never open the panel by themselves (e.g. a reopened notebook). */
export const AUTO_OPEN_MAX_AGE_MS = 60_000;

/** A running output is updated at least this often (elapsed time), even when nothing moves. */
export const PROGRESS_HEARTBEAT_MS = 2_000;

/**
 * A 'running' output not updated for this long belongs to a run that stopped without its
 * summary (kernel restarted or died, notebook reopened): the frontend says so.
 */
export const PROGRESS_STALE_MS = 15_000;
