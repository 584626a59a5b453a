/**
 * Where a server keeps its log and spill store. The log path is the one the runtime's
 * ViewerManager and the CLI use too (`defaultLogFile` in protocol/node/server-process.ts):
 * `<home>/viewer-server-<port>.log`, home = `$PIPELINE_VIEWER_HOME`, else
 * `$XDG_CACHE_HOME/jupyterlab-pipeline-viewer`, else `~/.cache/jupyterlab-pipeline-viewer`.
 */
import * as path from 'node:path';
import { defaultLogFile } from '../../protocol/node/index.js';

export function viewerHome(env: NodeJS.ProcessEnv = process.env): string {
  return path.dirname(defaultLogFile(0, env));
}

export function defaultServerLog(port: number, env: NodeJS.ProcessEnv = process.env): string {
  return defaultLogFile(port, env);
}

/** `<home>/store/<port>/`; the server writes only `planes.zarr/` inside it. */
export function defaultStoreDir(port: number, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(viewerHome(env), 'store', String(port));
}
