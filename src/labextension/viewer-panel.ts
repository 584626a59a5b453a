/**
 * The docked panel: a MainAreaWidget around the viewer widget of one viewer server,
 * reached through jupyter-server-proxy at `{baseUrl}proxy/<httpPort>/` so Jupyter's
 * authentication guards it (and it works on Binder).
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { httpPort } from '../protocol/ports.js';
import { PipelineViewerWidget } from '../viewer-widget/index.js';
import type { IViewerPanel } from './tokens.js';

/** `{baseUrl}proxy/<dataPort+3000>/`, ending in '/'. */
export function proxyBaseUrl(dataPort: number, baseUrl = PageConfig.getBaseUrl()): string {
  return URLExt.join(baseUrl, 'proxy', String(httpPort(dataPort))) + '/';
}

export class ViewerPanel extends MainAreaWidget<PipelineViewerWidget> implements IViewerPanel {
  constructor(
    readonly dataPort: number,
    followNewest: boolean
  ) {
    super({ content: new PipelineViewerWidget({ baseUrl: proxyBaseUrl(dataPort), followNewest }) });
    this.id = panelId(dataPort);
    this.addClass('jp-PipelineViewerPanel');
    this.title.label = `Pipeline viewer :${dataPort}`;
    this.title.caption = `Viewer server on data port ${dataPort} (HTTP ${httpPort(dataPort)} via jupyter-server-proxy)`;
    this.title.closable = true;
  }
}

export function panelId(dataPort: number): string {
  return `pipeline-viewer-${dataPort}`;
}
