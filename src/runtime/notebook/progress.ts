/**
 * Live progress of a pipeline run in the notebook cell: wells done / total, frames
 * streamed, drops and elapsed time, updated in place through the kernel's display-update
 * mechanism (`Deno.jupyter.display(bundle, { display_id, update: true })`), and a summary at
 * the end whose button opens or focuses the docked viewer (rendered by the JupyterLab
 * extension; other frontends get the text/html fallback).
 */
import {
  PROGRESS_HEARTBEAT_MS,
  PROGRESS_MIME_TYPE,
  queueProgressText,
  RunProgressSchema,
  type RunProgress
} from '../../protocol/notebook-display.js';

export type MimeBundle = Record<string, unknown>;
export type DisplayFn = (
  bundle: MimeBundle,
  options: { display_id: string; update: boolean }
) => unknown;

/** The kernel's display function when running in Deno's Jupyter kernel, else null. */
export function kernelDisplay(): DisplayFn | null {
  const deno = (
    globalThis as { Deno?: { jupyter?: { display?: (b: unknown, o: object) => unknown } } }
  ).Deno;
  const display = deno?.jupyter?.display;
  if (typeof display !== 'function') return null;
  return (bundle, options) => display.call(deno!.jupyter, bundle, { raw: true, ...options });
}

export interface ProgressCounts {
  wellsDone?: number;
  framesStreamed?: number;
  drops?: number;
  /** Queue executor: per worker, retries, failed wells (RunProgress.queue). */
  queue?: RunProgress['queue'];
}

export interface RunProgressOptions {
  title: string;
  /** Data port of the viewer server the frames go to. */
  port: number;
  wellsTotal: number;
  /** Where bundles go; default the Deno kernel's display, none outside a kernel. */
  display?: DisplayFn | null;
  /** At most this many display updates per second (each is a message to the frontend). */
  maxUpdatesPerSecond?: number;
  /** Open the docked viewer as soon as the output is shown ('viewer' outputs always do). */
  openViewer?: boolean;
  now?: () => number;
}

let displayCounter = 0;

/** One live progress output; create it at the start of a run, finish it at the end. */
export class RunProgressDisplay {
  readonly displayId: string;
  private readonly display: DisplayFn | null;
  private readonly now: () => number;
  private readonly minIntervalMs: number;
  private readonly startedAt: number;
  private state: RunProgress;
  private shown = false;
  private lastSentAt = -Infinity;
  private pending: ReturnType<typeof setTimeout> | null = null;
  /** Resends while running, so the frontend can tell a live run from a stopped one. */
  private heartbeat: ReturnType<typeof setInterval> | null = null;

  constructor(options: RunProgressOptions) {
    if (!Number.isInteger(options.wellsTotal) || options.wellsTotal < 0) {
      throw new RangeError(
        `RunProgressDisplay: wellsTotal must be a non-negative integer, got ${options.wellsTotal}`
      );
    }
    this.display = options.display === undefined ? kernelDisplay() : options.display;
    this.now = options.now ?? Date.now;
    this.minIntervalMs = 1000 / Math.max(0.1, options.maxUpdatesPerSecond ?? 4);
    this.startedAt = this.now();
    this.displayId = `pipeline-viewer-progress-${this.startedAt}-${++displayCounter}`;
    this.state = RunProgressSchema.parse({
      phase: 'running',
      title: options.title,
      port: options.port,
      wells_done: 0,
      wells_total: options.wellsTotal,
      frames_streamed: 0,
      drops: 0,
      elapsed_s: 0,
      server_pid: null,
      created_at: this.startedAt,
      open_viewer: options.openViewer ?? false
    });
    this.send(true);
    if (this.display) {
      this.heartbeat = setInterval(() => {
        if (this.now() - this.lastSentAt < PROGRESS_HEARTBEAT_MS / 2) return;
        this.apply({});
        this.send(false);
      }, PROGRESS_HEARTBEAT_MS);
      unref(this.heartbeat);
    }
  }

  get progress(): Readonly<RunProgress> {
    return this.state;
  }

  /** Set counters (absolute values); the cell is updated at most maxUpdatesPerSecond. */
  update(counts: ProgressCounts): void {
    if (this.state.phase !== 'running') return;
    this.apply(counts);
    const wait = this.lastSentAt + this.minIntervalMs - this.now();
    if (wait <= 0) this.send(false);
    else if (!this.pending) {
      this.pending = setTimeout(() => {
        this.pending = null;
        if (this.state.phase === 'running') this.send(false);
      }, wait);
    }
  }

  /**
   * Final summary: counters, the server's pid and the data port it used (another than the
   * requested one when that was held by someone else), an error when the run failed, a
   * warning when it finished but lost frames (phase 'degraded').
   */
  finish(
    result: ProgressCounts & {
      serverPid?: number | null;
      port?: number;
      error?: unknown;
      warning?: string;
    } = {}
  ): RunProgress {
    this.apply(result);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    if (result.port !== undefined) this.state.port = result.port;
    this.state.phase = result.error !== undefined ? 'failed' : result.warning ? 'degraded' : 'done';
    if (result.warning) this.state.warning = result.warning;
    if (result.serverPid !== undefined) this.state.server_pid = result.serverPid;
    if (result.error !== undefined) {
      this.state.error =
        result.error instanceof Error ? result.error.message : String(result.error);
    }
    if (this.pending) clearTimeout(this.pending);
    this.pending = null;
    this.send(false);
    return this.state;
  }

  private apply(c: ProgressCounts): void {
    if (c.wellsDone !== undefined) this.state.wells_done = c.wellsDone;
    if (c.framesStreamed !== undefined) this.state.frames_streamed = c.framesStreamed;
    if (c.drops !== undefined) this.state.drops = c.drops;
    if (c.queue !== undefined) this.state.queue = structuredClone(c.queue);
    this.state.elapsed_s = (this.now() - this.startedAt) / 1000;
  }

  private send(first: boolean): void {
    this.lastSentAt = this.now();
    if (!this.display) return;
    const bundle = progressBundle(this.state);
    this.display(bundle, { display_id: this.displayId, update: !first && this.shown });
    this.shown = true;
  }
}

/** What a finished run's stream tells about lost frames. */
export interface StreamOutcome {
  sent: number;
  dropped: number;
  /** Whether the run's viewer server still answers at the end. */
  serverAlive: boolean;
  serverPid: number | null;
  port: number;
  errors?: readonly string[];
}

/**
 * Why a finished run is degraded, or undefined when nothing was lost: the server stopped
 * during the run (its pid is gone; the frames sent after it died were dropped), or frames
 * were dropped for the stream's reason. A run like that used to read as a green "done".
 */
export function degradation(o: StreamOutcome): string | undefined {
  const total = o.sent + o.dropped;
  const share =
    total > 0 ? `${o.dropped} of ${total} frames (${percent(o.dropped, total)}) dropped` : '';
  if (!o.serverAlive) {
    const pid = o.serverPid !== null ? ` (pid ${o.serverPid} is gone)` : '';
    return `the viewer server on port ${o.port} stopped during the run${pid}${share ? `: ${share}` : ''}`;
  }
  if (o.dropped > 0) return `${share}${o.errors?.[0] ? `: ${o.errors[0]}` : ''}`;
  return undefined;
}

function percent(part: number, whole: number): string {
  const p = (100 * part) / whole;
  return `${p > 0 && p < 1 ? '< 1' : Math.round(p)} %`;
}

/** A one-off output for `show()`: which viewer the images went to, with the open button. */
export function viewerBundle(
  port: number,
  serverPid: number | null,
  framesStreamed: number,
  title = 'Pipeline viewer'
): MimeBundle {
  return progressBundle(
    RunProgressSchema.parse({
      phase: 'viewer',
      title,
      port,
      wells_done: 0,
      wells_total: 0,
      frames_streamed: framesStreamed,
      drops: 0,
      elapsed_s: 0,
      server_pid: serverPid,
      created_at: Date.now(),
      open_viewer: true
    })
  );
}

export function progressBundle(p: RunProgress): MimeBundle {
  return {
    [PROGRESS_MIME_TYPE]: { ...p },
    'text/plain': summaryText(p),
    'text/html':
      `<div><b>${escapeHtml(p.title)}</b><br><code>${escapeHtml(summaryText(p))}</code><br>` +
      `Open the viewer with the command palette: <i>Open Pipeline Viewer</i> (port ${p.port}).</div>`
  };
}

export function summaryText(p: RunProgress): string {
  const head =
    p.phase === 'viewer' ? 'viewer ready' : `${p.phase}: wells ${p.wells_done}/${p.wells_total}`;
  const pid = p.server_pid !== null ? `, server pid ${p.server_pid}` : '';
  const err = p.error ? `, error: ${p.error}` : '';
  const warning = p.warning ? `, ${p.warning}` : '';
  const queue = p.queue ? `, ${queueProgressText(p.queue)}` : '';
  return `${head}, ${p.frames_streamed} frames streamed, ${p.drops} drops, ${p.elapsed_s.toFixed(1)} s, port ${p.port}${queue}${pid}${warning}${err}`;
}

/** Lets a process (a test, a script) exit while a display is still running. */
function unref(timer: ReturnType<typeof setInterval>): void {
  const deno = (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno;
  if (typeof timer === 'number') deno?.unrefTimer?.(timer);
  else (timer as { unref?: () => void }).unref?.();
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);
}
