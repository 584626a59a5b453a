/**
 * The docked panel: a MainAreaWidget around the viewer widget of one viewer server,
 * reached through jupyter-server-proxy at `{baseUrl}proxy/<httpPort>/` so Jupyter's
 * authentication guards it (and it works on Binder). Before each connection attempt it asks
 * the server extension for the server's actual ports, browser token and readiness (a
 * restarted server has a new token, maybe another port); it opens nothing through the proxy
 * until the server answers, so the proxy never meets a closed port. Meanwhile a notice says
 * why the panel is empty and offers to start the server. The token stays in memory only.
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { httpPort } from '../protocol/ports.js';
import { PipelineViewerWidget, type ViewerEndpoint } from '../viewer-widget/index.js';
import { connectServer, type ServerConnectResult } from './server-control.js';
import { ServerNotice } from './server-notice.js';
import type { IViewerPanel } from './tokens.js';

/** `{baseUrl}proxy/<dataPort+3000>/`, ending in '/'. */
export function proxyBaseUrl(dataPort: number, baseUrl = PageConfig.getBaseUrl()): string {
  return proxyUrlOfHttpPort(httpPort(dataPort), baseUrl);
}

function proxyUrlOfHttpPort(port: number, baseUrl = PageConfig.getBaseUrl()): string {
  return URLExt.join(baseUrl, 'proxy', String(port)) + '/';
}

/** Where this user's server for `dataPort` is and its token; null while none is ready. */
export async function viewerEndpoint(dataPort: number): Promise<ViewerEndpoint | null> {
  return endpointOf(await connectServer(dataPort));
}

function endpointOf(info: ServerConnectResult): ViewerEndpoint | null {
  if (!info.ok || !info.ports || !info.browser_token || info.ready === false) return null;
  return { baseUrl: proxyUrlOfHttpPort(info.ports.http), token: info.browser_token };
}

/** The tab's tooltip: the ports the server really uses (another data port when P was taken). */
export function panelCaption(dataPort: number, ports?: ServerConnectResult['ports']): string {
  if (!ports) return `Viewer server for data port ${dataPort}: not running`;
  const moved = ports.data !== dataPort ? ` (asked for ${dataPort}, which was taken)` : '';
  return `Viewer server on data port ${ports.data}${moved}, HTTP ${ports.http} via jupyter-server-proxy`;
}

export class ViewerPanel extends MainAreaWidget<PipelineViewerWidget> implements IViewerPanel {
  /** Why the panel is empty, with a Start button when no server runs; hidden when connected. */
  readonly notice: ServerNotice;

  /** `startServer` runs the start command for this port and rejects when it failed. */
  constructor(
    readonly dataPort: number,
    followNewest: boolean,
    startServer: (port: number) => Promise<void>
  ) {
    const ask: { panel?: ViewerPanel } = {};
    super({
      content: new PipelineViewerWidget({
        baseUrl: proxyBaseUrl(dataPort),
        endpoint: () => ask.panel!._endpoint(),
        followNewest,
        autoConnect: false
      })
    });
    ask.panel = this;
    this.id = panelId(dataPort);
    this.addClass('jp-PipelineViewerPanel');
    this.title.label = `Pipeline viewer :${dataPort}`;
    this.title.caption = panelCaption(dataPort);
    this.title.closable = true;
    this.notice = new ServerNotice(dataPort, async () => {
      await startServer(dataPort);
      // ask again now rather than at the end of the current backoff
      this.content.connection.disconnect();
      this.content.connect();
    });
    this.contentHeader.addWidget(this.notice);
    this.content.connection.statusChanged.connect((_, status) => {
      if (status === 'connected') this.notice.show_({ kind: 'ready' });
    });
    this.content.connect();
  }

  private async _endpoint(): Promise<ViewerEndpoint | null> {
    let info: ServerConnectResult;
    try {
      info = await connectServer(this.dataPort);
    } catch (err) {
      // a sentence for the user in the notice, not a raw error over the canvas
      this.notice.show_({ kind: 'error', message: (err as Error).message });
      return null;
    }
    this.title.caption = panelCaption(this.dataPort, info.ok ? info.ports : undefined);
    if (!info.ok) this.notice.show_({ kind: 'no-server' });
    else if (info.ready === false) this.notice.show_({ kind: 'starting' });
    return endpointOf(info);
  }
}

export function panelId(dataPort: number): string {
  return `pipeline-viewer-${dataPort}`;
}
