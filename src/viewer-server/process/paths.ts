/**
 * Where a server keeps its log and spill store, under the viewer home
 * (protocol/node/viewer-home.ts, 0700): `<home>/viewer-server-<port>.log`, the same path the
 * runtime's ViewerManager and the CLI use (`defaultLogFile`), and `<home>/store/<port>/`.
 */
import * as path from 'node:path';
import { defaultLogFile, viewerHome } from '../../protocol/node/index.js';

export { viewerHome };

export function defaultServerLog(port: number, env: NodeJS.ProcessEnv = process.env): string {
  return defaultLogFile(port, env);
}

/** `<home>/store/<port>/`; the server writes only `planes.zarr/` inside it. */
export function defaultStoreDir(port: number, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(viewerHome(env), 'store', String(port));
}
