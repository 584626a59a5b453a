/**
 * Start a viewer server as a detached process and wait until it answers `ping`, with a bound.
 * Shared by the runtime's ViewerManager and the CLI (`pipeline-viewer server start`), so both
 * start servers the same way: detached (a kernel restart does not kill it), stdout/stderr to a
 * log file, and a clear error naming the port and the log when it is not ready in time.
 *
 * Exactly one server per port is the server's own job (it exits 0 when another one holds the
 * port); this helper only reuses an answering server and otherwise spawns and polls.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ControlReply } from '../messages.js';
import { ping } from './control-client.js';

export type Pong = Extract<ControlReply, { type: 'pong' }>;

export class ServerStartError extends Error {
  override name = 'ServerStartError';
}

export interface EnsureServerOptions {
  /** Absolute path of the server entry, e.g. `<pkg>/lib/viewer-server/main.js`. */
  script: string;
  /** Data port; the server also takes port+1000 and port+3000. */
  port: number;
  /** Extra arguments after `--port N`. */
  args?: readonly string[];
  host?: string;
  /** Where the server's stdout/stderr go; default `defaultLogFile(port)`. */
  logFile?: string;
  /** Bound on the wait for `ready`; OpenHCS waits 30 s. */
  readyTimeoutMs?: number;
  /** Executable that runs `script`; default node (also under Deno, whose execPath is deno). */
  node?: string;
  env?: NodeJS.ProcessEnv;
}

export interface EnsureServerResult {
  pong: Pong;
  /** True when this call spawned a process; false when a running server was reused. */
  spawned: boolean;
  logFile: string;
}

/**
 * `viewer-server-<port>.log` in the viewer's home, the same place the server itself uses:
 * `$PIPELINE_VIEWER_HOME`, else `$XDG_CACHE_HOME/jupyterlab-pipeline-viewer`, else
 * `~/.cache/jupyterlab-pipeline-viewer`.
 */
export function defaultLogFile(port: number, env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.XDG_CACHE_HOME
    ? path.resolve(env.XDG_CACHE_HOME)
    : path.join(os.homedir(), '.cache');
  const home = env.PIPELINE_VIEWER_HOME
    ? path.resolve(env.PIPELINE_VIEWER_HOME)
    : path.join(cache, 'jupyterlab-pipeline-viewer');
  return path.join(home, `viewer-server-${port}.log`);
}

/** The node executable: `process.execPath` under Node, `node` from PATH under Deno. */
export function nodeExecutable(): string {
  if (process.env.PIPELINE_VIEWER_NODE) return process.env.PIPELINE_VIEWER_NODE;
  const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined';
  return isDeno ? 'node' : process.execPath;
}

const PING_TIMEOUT_MS = 500;
const POLL_INTERVAL_MS = 100;

/** Reuse the server answering on `port`, or spawn one detached and wait until it is ready. */
export async function ensureServer(options: EnsureServerOptions): Promise<EnsureServerResult> {
  const { port, host } = options;
  const logFile = options.logFile ?? defaultLogFile(port);
  const running = await ping(port, { host, timeoutMs: PING_TIMEOUT_MS });
  if (running) return { pong: running, spawned: false, logFile };

  if (!fs.existsSync(options.script)) {
    throw new ServerStartError(
      `viewer server entry ${options.script} does not exist; build the package first (npx tsc -b)`
    );
  }
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const logFd = fs.openSync(logFile, 'a');
  const exited: { code: number | null } = { code: null };
  try {
    const child = spawn(
      options.node ?? nodeExecutable(),
      [options.script, '--port', String(port), ...(options.args ?? [])],
      {
        detached: true,
        stdio: ['ignore', logFd, logFd],
        env: options.env ?? process.env
      }
    );
    child.on('error', () => (exited.code = -1));
    child.on('exit', code => (exited.code = code ?? -1));
    // Detached and unreferenced: the server outlives this process (kernel restart, notebook closed).
    child.unref();
  } finally {
    fs.closeSync(logFd);
  }

  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const pong = await ping(port, { host, timeoutMs: PING_TIMEOUT_MS });
    if (pong) return { pong, spawned: true, logFile };
    // Exit code 0 means another server took the port first: keep polling for that one.
    if (exited.code !== null && exited.code !== 0) {
      throw new ServerStartError(
        `viewer server on port ${port} exited with code ${exited.code} before it was ready; see its log ${logFile}`
      );
    }
    await new Promise(resolve => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  throw new ServerStartError(
    `viewer server on port ${port} did not answer ping within ${timeoutMs} ms; see its log ${logFile}. ` +
      `If another program holds ports ${port}/${port + 1000}/${port + 3000}, choose another port.`
  );
}
