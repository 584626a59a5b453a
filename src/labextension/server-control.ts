/**
 * Browser side of the start/stop hook: the Python server extension (handlers.py) runs
 * `pipeline-viewer server start|stop|status|clear|connect --port N` and `server list` behind
 * Jupyter's authentication. `connect` hands the logged-in user the server's actual ports,
 * browser token and readiness; the panel keeps them in memory only. Failures come back as
 * sentences for the user (the handler's own message), never as raw HTTP replies.
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
const SERVERS_ROUTE = 'pipeline-viewer/servers';

/** What `pipeline-viewer/connect` answers (handlers.py, from `server connect`). */
export interface ServerConnectResult {
  port: number;
  /** False when no server of this user answers for the port (yet). */
  ok: boolean;
  /** The server answers ping (all its ports are bound); until then the panel waits. */
  ready?: boolean;
  pid?: number;
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
  if (!response.ok)
    throw new Error(
      `Jupyter could not look up the viewer server on port ${port}: ${reason(text, response)}`
    );
  return JSON.parse(text) as ServerConnectResult;
}

/** A running viewer server of this user, as `GET pipeline-viewer/servers` lists it. */
export interface RunningServer {
  /** The port it was started for; `ports.data` differs when that one was taken. */
  requested_port: number;
  pid: number;
  /** Unix seconds. */
  started_at: number;
  ports: { data: number; control: number; http: number };
}

/** This user's running viewer servers, newest first. */
export async function listServers(): Promise<RunningServer[]> {
  const settings = ServerConnection.makeSettings();
  const response = await ServerConnection.makeRequest(
    URLExt.join(settings.baseUrl, SERVERS_ROUTE),
    { method: 'GET', cache: 'no-store' },
    settings
  );
  const text = await response.text();
  if (!response.ok)
    throw new Error(`Jupyter could not list the viewer servers: ${reason(text, response)}`);
  return (JSON.parse(text) as { servers: RunningServer[] }).servers;
}

/** The handler's own message (Jupyter's API errors are JSON), else the status text. */
function reason(text: string, response: Response): string {
  try {
    const body = JSON.parse(text) as { message?: string; reason?: string };
    if (body.message) return body.message;
  } catch {
    // not JSON (a proxy's or Jupyter's HTML page): say what kind of failure it was
  }
  if (response.status === 404)
    return 'the server extension jupyterlab_pipeline_viewer is not enabled (jupyter server extension enable jupyterlab_pipeline_viewer)';
  if (response.status === 403) return 'not logged in to Jupyter any more; reload the page';
  return `the Jupyter server answered ${response.status} ${response.statusText}`.trim();
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

const OPEN_ROUTE = 'pipeline-viewer/open';

/** What `pipeline-viewer/open` answers: the plate's layer in the server of `port`. */
export interface OpenedPlate {
  path: string;
  /** The port asked for (the panel's). */
  port: number;
  /** The server's data port (differs from `port` when that one was taken). */
  data_port: number;
  /** Key of the plate's layer (marked from disk in the panel). */
  layer: string;
}

/**
 * Shows the plate folder `path` (a file-browser path, relative to Jupyter's root folder) in
 * this user's viewer server for `port`, starting that server if none runs. Rejects with the
 * handler's sentence, e.g. the reader's "cannot open plate …" for a folder that is no plate.
 */
export async function openPlateOnServer(path: string, port: number): Promise<OpenedPlate> {
  const settings = ServerConnection.makeSettings();
  const response = await ServerConnection.makeRequest(
    URLExt.join(settings.baseUrl, OPEN_ROUTE),
    { method: 'POST', body: JSON.stringify({ path, port }) },
    settings
  );
  const text = await response.text();
  if (!response.ok) throw new Error(reason(text, response));
  return JSON.parse(text) as OpenedPlate;
}
