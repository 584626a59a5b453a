/**
 * Where a server keeps its log and spill store: `$PIPELINE_VIEWER_HOME`, else
 * `$XDG_CACHE_HOME/jupyterlab-pipeline-viewer`, else `~/.cache/jupyterlab-pipeline-viewer`.
 */
import * as os from 'node:os';
import * as path from 'node:path';

export function viewerHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PIPELINE_VIEWER_HOME) return path.resolve(env.PIPELINE_VIEWER_HOME);
  const cache = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(cache, 'jupyterlab-pipeline-viewer');
}

export function defaultServerLog(port: number, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(viewerHome(env), `viewer-server-${port}.log`);
}

export function defaultStoreDir(port: number, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(viewerHome(env), 'store', String(port));
}
