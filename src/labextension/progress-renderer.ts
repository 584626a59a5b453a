/**
 * Renders a run's progress output (PROGRESS_MIME_TYPE) in the notebook cell: wells done,
 * frames streamed, drops, elapsed time, and a button that opens or focuses the docked
 * viewer of the run's port. A fresh output may open the panel by itself (setting
 * `openOnRun`), without taking focus from the notebook.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';
import {
  AUTO_OPEN_MAX_AGE_MS,
  PROGRESS_MIME_TYPE,
  RunProgressSchema,
  type RunProgress
} from '../protocol/notebook-display.js';
import { progressLine } from './progress-line.js';
import { CommandIDs } from './commands.js';
import type { OpenArgs } from './tokens.js';

export interface ProgressRendererHost {
  commands: CommandRegistry;
  /** Whether fresh run outputs open the panel (read at each render, settings may change). */
  openOnRun: () => boolean;
}

/** Outputs that already opened the panel once, so live updates don't re-open a closed panel. */
const autoOpened = new Set<string>();

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
    this.render(p);
    this.maybeAutoOpen(p);
  }

  private render(p: RunProgress): void {
    this.node.replaceChildren();
    this.node.dataset.phase = p.phase;
    const title = document.createElement('div');
    title.className = 'jp-PipelineViewerProgress-title';
    title.textContent = p.title;

    const line = document.createElement('div');
    line.className = 'jp-PipelineViewerProgress-line';
    line.dataset.testid = 'pipeline-viewer-progress-line';
    line.textContent = progressLine(p);

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
}

export function progressRendererFactory(host: ProgressRendererHost): IRenderMime.IRendererFactory {
  return {
    safe: true,
    mimeTypes: [PROGRESS_MIME_TYPE],
    defaultRank: 0,
    createRenderer: () => new ProgressRenderer(host)
  };
}
