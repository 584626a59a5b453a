/**
 * Browser side of the start/stop hook: the Python server extension (handlers.py) runs
 * `pipeline-viewer server start|stop|status|clear|connect --port N` behind Jupyter's
 * authentication. `connect` hands the logged-in user the server's actual ports and browser
 * token; the panel keeps them in memory only.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** clear empties the server's layers (control clear_state), so every panel empties. */
export type ServerAction = 'start' | 'stop' | 'status' | 'clear';

export interface ServerActionResult {
  action: ServerAction;
  port: number;
  ok: boolean;
  exit_code: number | null;
  stdout: string;
  stderr: string;
}

const ROUTE = 'pipeline-viewer/server';
const CONNECT_ROUTE = 'pipeline-viewer/connect';

/** What `pipeline-viewer/connect` answers (handlers.py, from `server connect`). */
export interface ServerConnectResult {
  port: number;
  /** False when no server of this user answers for the port (yet). */
  ok: boolean;
  /** The actual ports; the data port differs from `port` when that one was taken. */
  ports?: { data: number; control: number; http: number };
  browser_token?: string;
  stderr?: string;
}

/** The actual ports and browser token of this user's server for data port `port`. */
export async function connectServer(port: number): Promise<ServerConnectResult> {
  const settings = ServerConnection.makeSettings();
  const response = await ServerConnection.makeRequest(
    URLExt.join(settings.baseUrl, CONNECT_ROUTE),
    { method: 'POST', body: JSON.stringify({ port }), cache: 'no-store' },
    settings
  );
  const text = await response.text();
  if (!response.ok) {
    throw new ServerConnection.ResponseError(
      response,
      `pipeline-viewer server connect --port ${port} failed: ${text}`
    );
  }
  return JSON.parse(text) as ServerConnectResult;
}

export async function runServerAction(
  action: ServerAction,
  port: number
): Promise<ServerActionResult> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, ROUTE);
  const init: RequestInit =
    action === 'status'
      ? { method: 'GET' }
      : { method: 'POST', body: JSON.stringify({ action, port }) };
  const target = action === 'status' ? `${url}?port=${port}` : url;
  const response = await ServerConnection.makeRequest(target, init, settings);
  const text = await response.text();
  if (!response.ok) {
    throw new ServerConnection.ResponseError(
      response,
      `pipeline-viewer server ${action} --port ${port} failed: ${text}`
    );
  }
  return JSON.parse(text) as ServerActionResult;
}
