/**
 * Renders a run's progress output (PROGRESS_MIME_TYPE) in the notebook cell: wells done,
 * frames streamed, drops, elapsed time, and a button that opens or focuses the docked
 * viewer of the run's port. A fresh output may open the panel by itself (setting
 * `openOnRun`), without taking focus from the notebook.
 *
 * A 'running' output whose run is over without a summary says "stopped (…)": when its
 * notebook's kernel restarts or dies, or when no update came for PROGRESS_STALE_MS (a live
 * run resends every PROGRESS_HEARTBEAT_MS; a reopened notebook's old output gets none).
 * A 'degraded' run shows why (e.g. the viewer server stopped during the run).
 */
import type { ISessionContext } from '@jupyterlab/apputils';
import type { Kernel } from '@jupyterlab/services';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { CommandRegistry } from '@lumino/commands';
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import {
  AUTO_OPEN_MAX_AGE_MS,
  PROGRESS_MIME_TYPE,
  PROGRESS_STALE_MS,
  RunProgressSchema,
  type RunProgress
} from '../protocol/notebook-display.js';
import { progressLine, shownPhase } from './progress-line.js';
import { CommandIDs } from './commands.js';
import { noteRun } from './port-choice.js';
import type { OpenArgs } from './tokens.js';

export interface ProgressRendererHost {
  commands: CommandRegistry;
  /** Whether fresh run outputs open the panel (read at each render, settings may change). */
  openOnRun: () => boolean;
}

/** The session of the notebook panel an output sits in (its kernel ran the run), if any. */
function sessionOf(widget: Widget): ISessionContext | null {
  for (let w: Widget | null = widget.parent; w; w = w.parent) {
    const session = (w as { sessionContext?: ISessionContext }).sessionContext;
    if (session?.statusChanged) return session;
  }
  return null;
}

/** Outputs that already opened the panel once, so live updates don't re-open a closed panel. */
const autoOpened = new Set<string>();

const KERNEL_GONE: Partial<Record<string, string>> = {
  restarting: 'kernel restarted',
  autorestarting: 'kernel restarted',
  dead: 'kernel died',
  terminating: 'kernel shut down'
};

export class ProgressRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(private readonly host: ProgressRendererHost) {
    super();
    this.addClass('jp-PipelineViewerProgress');
    this.node.dataset.testid = 'pipeline-viewer-progress';
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const parsed = RunProgressSchema.safeParse(model.data[PROGRESS_MIME_TYPE]);
    if (!parsed.success) {
      this.node.textContent = `Cannot show pipeline progress: ${parsed.error.issues.map(i => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
      this.node.dataset.phase = 'invalid';
      return;
    }
    const p = parsed.data;
    this._progress = p;
    this._stopped = null; // news from the run: it lives
    noteRun(p.port, p.created_at);
    this.render();
    this._watchStaleness();
    this.maybeAutoOpen(p);
  }

  override dispose(): void {
    clearTimeout(this._staleTimer);
    this._unwatchKernel();
    super.dispose();
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._watchKernel();
  }

  protected override onBeforeDetach(msg: Message): void {
    this._unwatchKernel();
    super.onBeforeDetach(msg);
  }

  private _watchStaleness(): void {
    clearTimeout(this._staleTimer);
    if (this._progress?.phase !== 'running') return;
    this._staleTimer = setTimeout(() => {
      this._stop(
        `no update for ${PROGRESS_STALE_MS / 1000} s: kernel restarted, interrupted or busy`
      );
    }, PROGRESS_STALE_MS);
  }

  private _watchKernel(): void {
    const session = sessionOf(this);
    if (session === this._session) return;
    this._unwatchKernel();
    this._session = session;
    session?.statusChanged.connect(this._onKernelStatus, this);
    session?.kernelChanged.connect(this._onKernelChanged, this);
  }

  private _unwatchKernel(): void {
    this._session?.statusChanged.disconnect(this._onKernelStatus, this);
    this._session?.kernelChanged.disconnect(this._onKernelChanged, this);
    this._session = null;
  }

  private _onKernelStatus(_: ISessionContext, status: string): void {
    const why = KERNEL_GONE[status];
    if (why) this._stop(why);
  }

  private _onKernelChanged(
    _: ISessionContext,
    change: { oldValue: Kernel.IKernelConnection | null }
  ): void {
    // A notebook just opened connects its first kernel: that says nothing about the run (a
    // saved "running" output is caught by the stale bound instead).
    if (change.oldValue) this._stop('kernel changed');
  }

  /** A running output's run is over: say so (finished outputs keep what they say). */
  private _stop(why: string): void {
    if (this._progress?.phase !== 'running' || this._stopped) return;
    clearTimeout(this._staleTimer);
    this._stopped = why;
    this.render();
  }

  private render(): void {
    const p = this._progress;
    if (!p) return;
    this.node.replaceChildren();
    this.node.dataset.phase = shownPhase(p, this._stopped);
    const title = document.createElement('div');
    title.className = 'jp-PipelineViewerProgress-title';
    title.textContent = p.title;

    const line = document.createElement('div');
    line.className = 'jp-PipelineViewerProgress-line';
    line.dataset.testid = 'pipeline-viewer-progress-line';
    line.textContent = progressLine(p, this._stopped);

    const bar = document.createElement('progress');
    bar.className = 'jp-PipelineViewerProgress-bar';
    bar.max = Math.max(1, p.wells_total);
    bar.value = p.wells_done;
    if (p.phase === 'viewer') bar.hidden = true;

    const button = document.createElement('button');
    button.className = 'jp-mod-styled jp-mod-accept jp-PipelineViewerProgress-open';
    button.dataset.testid = 'pipeline-viewer-open-button';
    button.textContent = `Open viewer (port ${p.port})`;
    button.title = 'Open or focus the docked pipeline viewer';
    button.onclick = () =>
      void this.host.commands.execute(CommandIDs.open, {
        port: p.port
      } satisfies OpenArgs as never);

    this.node.append(title, line, bar, button);
    if (p.warning) {
      const warning = document.createElement('div');
      warning.className = 'jp-PipelineViewerProgress-warning';
      warning.dataset.testid = 'pipeline-viewer-progress-warning';
      warning.textContent = `Degraded: ${p.warning}`;
      this.node.append(warning);
    }
    if (p.error) {
      const err = document.createElement('pre');
      err.className = 'jp-PipelineViewerProgress-error';
      err.textContent = p.error;
      this.node.append(err);
    }
  }

  private maybeAutoOpen(p: RunProgress): void {
    const key = `${p.port}:${p.created_at}`;
    const fresh = Date.now() - p.created_at < AUTO_OPEN_MAX_AGE_MS;
    const wanted = p.open_viewer || (p.phase === 'running' && this.host.openOnRun());
    if (!fresh || !wanted || autoOpened.has(key)) return;
    autoOpened.add(key);
    void this.host.commands.execute(CommandIDs.open, {
      port: p.port,
      activate: false
    } satisfies OpenArgs as never);
  }

  private _progress: RunProgress | null = null;
  /** Why the run of a 'running' output is over, or null while it may still run. */
  private _stopped: string | null = null;
  private _staleTimer: ReturnType<typeof setTimeout> | undefined;
  private _session: ISessionContext | null = null;
}

export function progressRendererFactory(host: ProgressRendererHost): IRenderMime.IRendererFactory {
  return {
    safe: true,
    mimeTypes: [PROGRESS_MIME_TYPE],
    defaultRank: 0,
    createRenderer: () => new ProgressRenderer(host)
  };
}
