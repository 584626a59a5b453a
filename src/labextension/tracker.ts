/** The WidgetTracker of docked viewer panels, provided as IPipelineViewerTracker. */
import { WidgetTracker } from '@jupyterlab/apputils';
import type { IPipelineViewerTracker, IViewerPanel } from './tokens.js';

export class PipelineViewerTracker
  extends WidgetTracker<IViewerPanel>
  implements IPipelineViewerTracker
{
  constructor() {
    super({ namespace: 'pipeline-viewer' });
  }

  findByPort(port: number): IViewerPanel | null {
    return this.find(panel => panel.dataPort === port) ?? null;
  }
}
