/**
 * The docked panel: a MainAreaWidget around the viewer widget of one viewer server,
 * reached through jupyter-server-proxy at `{baseUrl}proxy/<httpPort>/` so Jupyter's
 * authentication guards it (and it works on Binder). Before each connection attempt it asks
 * the server extension for the server's actual ports and browser token (a restarted server
 * has a new one); the token stays in memory, never in the saved state.
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { httpPort } from '../protocol/ports.js';
import { PipelineViewerWidget, type ViewerEndpoint } from '../viewer-widget/index.js';
import { connectServer } from './server-control.js';
import type { IViewerPanel } from './tokens.js';

/** `{baseUrl}proxy/<dataPort+3000>/`, ending in '/'. */
export function proxyBaseUrl(dataPort: number, baseUrl = PageConfig.getBaseUrl()): string {
  return proxyUrlOfHttpPort(httpPort(dataPort), baseUrl);
}

function proxyUrlOfHttpPort(port: number, baseUrl = PageConfig.getBaseUrl()): string {
  return URLExt.join(baseUrl, 'proxy', String(port)) + '/';
}

/** Where this user's server for `dataPort` is and its token; null while none runs. */
export async function viewerEndpoint(dataPort: number): Promise<ViewerEndpoint | null> {
  const info = await connectServer(dataPort);
  if (!info.ok || !info.ports || !info.browser_token) return null;
  return { baseUrl: proxyUrlOfHttpPort(info.ports.http), token: info.browser_token };
}

export class ViewerPanel extends MainAreaWidget<PipelineViewerWidget> implements IViewerPanel {
  constructor(
    readonly dataPort: number,
    followNewest: boolean
  ) {
    super({
      content: new PipelineViewerWidget({
        baseUrl: proxyBaseUrl(dataPort),
        endpoint: () => viewerEndpoint(dataPort),
        followNewest
      })
    });
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
