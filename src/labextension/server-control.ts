/**
 * Browser side of the start/stop hook: the Python server extension (handlers.py) runs
 * `pipeline-viewer server start|stop|status --port N` (and a clear on the control port)
 * behind Jupyter's authentication.
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
