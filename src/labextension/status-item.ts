/**
 * Status-bar item: connection, frames per second and drops of the current viewer panel,
 * and what keeps it following the tracker's current panel.
 */
import { Widget } from '@lumino/widgets';
import { producersByHostText, type ViewerStats } from '../viewer-widget/index.js';
import type { IPipelineViewerTracker, IViewerPanel } from './tokens.js';

export class ViewerStatusItem extends Widget {
  constructor() {
    super();
    this.addClass('jp-PipelineViewerStatus');
    this.node.dataset.testid = 'pipeline-viewer-statusbar';
    this.setStats(null);
  }

  /** null: no viewer panel is open. */
  setStats(stats: ViewerStats | null, port?: number): void {
    if (!stats) {
      this.node.textContent = 'Viewer: closed';
      this.node.dataset.status = 'closed';
      this.node.title = 'No pipeline viewer panel is open';
      return;
    }
    const drops = stats.drops + Math.max(0, stats.serverDropped);
    const hosts = Object.keys(stats.producersByHost).length;
    const producers = producersByHostText(stats.producersByHost);
    this.node.dataset.status = stats.status;
    this.node.textContent = `Viewer ${stats.status === 'connected' ? '●' : '○'} ${stats.status} · ${stats.fps.toFixed(0)} fps · ${drops} drops${hosts > 0 ? ` · ${hosts} ${hosts === 1 ? 'host' : 'hosts'}` : ''}`;
    this.node.title =
      `Pipeline viewer on port ${port ?? '?'}: ${stats.status}; ${stats.fps.toFixed(1)} frames/s painted; ` +
      `${stats.drops} plane requests failed in the browser, ` +
      `${stats.serverDropped < 0 ? 'unknown' : stats.serverDropped} images dropped by the server` +
      (stats.imagesPerSecond >= 0
        ? `; server receives ${stats.imagesPerSecond.toFixed(1)} images/s`
        : '') +
      (producers ? `; remote producers on ${producers}` : '');
  }
}

/** Keeps `item` showing the stats of the tracker's current panel, from now on. */
export function followCurrentPanel(tracker: IPipelineViewerTracker, item: ViewerStatusItem): void {
  let watched: IViewerPanel | null = null;
  const onStats = () => item.setStats(watched?.content.stats ?? null, watched?.dataPort);
  const watch = (panel: IViewerPanel | null) => {
    watched?.content.statsChanged.disconnect(onStats);
    watched = panel;
    panel?.content.statsChanged.connect(onStats);
    onStats();
  };
  tracker.currentChanged.connect((_, panel) => watch(panel));
  // A panel restored before this plugin activated is current already.
  if (tracker.currentWidget) watch(tracker.currentWidget);
}
