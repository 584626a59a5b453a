/**
 * The viewer home: the one folder of a user's viewer servers (logs, spill stores, IPC
 * sockets, server records with their secrets). `$PIPELINE_VIEWER_HOME`, else
 * `$XDG_CACHE_HOME/jupyterlab-pipeline-viewer`, else `~/.cache/jupyterlab-pipeline-viewer`.
 * It is kept 0700 and must belong to the user: the records in it are the proof that a
 * server is this user's (docs/security.md, part A).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export class ViewerHomeError extends Error {
  override name = 'ViewerHomeError';
}

export function viewerHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PIPELINE_VIEWER_HOME) return path.resolve(env.PIPELINE_VIEWER_HOME);
  const cache = env.XDG_CACHE_HOME
    ? path.resolve(env.XDG_CACHE_HOME)
    : path.join(os.homedir(), '.cache');
  return path.join(cache, 'jupyterlab-pipeline-viewer');
}

/** The uid of this process (-1 where the platform has none; then no ownership is checked). */
export function currentUid(): number {
  return typeof process.getuid === 'function' ? process.getuid() : -1;
}

/**
 * Creates `dir` (and parents) and makes it 0700. A folder that exists but belongs to another
 * user is refused: its owner could read or plant the records and secrets kept in it.
 */
export function ensurePrivateDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = fs.lstatSync(dir);
  if (!stat.isDirectory()) {
    throw new ViewerHomeError(`${dir} is not a folder (a symlink?); remove it or choose another`);
  }
  const uid = currentUid();
  if (uid >= 0 && stat.uid !== uid) {
    throw new ViewerHomeError(
      `${dir} belongs to uid ${stat.uid}, not to you (uid ${uid}); set PIPELINE_VIEWER_HOME to a folder of your own`
    );
  }
  if ((stat.mode & 0o777) !== 0o700) fs.chmodSync(dir, 0o700);
  return dir;
}

/** The viewer home, created 0700 when missing; see ensurePrivateDir. */
export function ensureViewerHome(env: NodeJS.ProcessEnv = process.env): string {
  return ensurePrivateDir(viewerHome(env));
}

/**
 * Opens `file` for appending, creating it 0600, and makes an existing one 0600 too (logs
 * name layers, wells and paths of the user's data).
 */
export function openPrivateAppend(file: string): number {
  const fd = fs.openSync(file, 'a', 0o600);
  try {
    fs.fchmodSync(fd, 0o600);
  } catch {
    // Not our file (another user's log named by --log): appending is all we were allowed.
  }
  return fd;
}
