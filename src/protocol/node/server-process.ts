/**
 * Start a viewer server as a detached process and wait until it answers `ping`, with a bound.
 * Shared by the runtime's ViewerManager and the CLI (`pipeline-viewer server start`), so both
 * start servers the same way: detached (a kernel restart does not kill it), stdout/stderr to a
 * 0600 log file, and a clear error naming the port and the log when it is not ready in time.
 *
 * Only a server of this user is reused: one whose record (protocol/node/server-record.ts) is
 * in this user's viewer home. When the requested port P is held by anything else (another
 * user's server, any other program), the server is started on the next port whose three
 * ports are free, and its record maps P to it, so the next start for P finds it again.
 * Exactly one server per port is the server's own job (it exits 0 when another one holds the
 * port); this helper only picks the port, spawns and polls.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ControlReply } from '../messages.js';
import { controlPort, httpPort, MAX_DATA_PORT, MIN_DATA_PORT } from '../ports.js';
import { ping } from './control-client.js';
import { portsFree } from './port-probe.js';
import { findOwnServer, liveServerRecord, type ServerRecord } from './server-record.js';
import { ensureViewerHome, openPrivateAppend, viewerHome } from './viewer-home.js';

export type Pong = Extract<ControlReply, { type: 'pong' }>;

export class ServerStartError extends Error {
  override name = 'ServerStartError';
}

export interface EnsureServerOptions {
  /** Absolute path of the server entry, e.g. `<pkg>/lib/viewer-server/main.js`. */
  script: string;
  /** Requested data port; the server also takes port+1000 and port+3000. */
  port: number;
  /** Extra arguments after `--port N --log FILE`. */
  args?: readonly string[];
  host?: string;
  /** Where the server's stdout/stderr go; default `defaultLogFile(actual data port)`. */
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
  /** The server's record: actual ports (`ports.data` may differ from the requested port), secret. */
  record: ServerRecord;
}

/** `viewer-server-<port>.log` in the viewer home (viewer-home.ts), where the server logs too. */
export function defaultLogFile(port: number, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(viewerHome(env), `viewer-server-${port}.log`);
}

/** The node executable: `process.execPath` under Node, `node` from PATH under Deno. */
export function nodeExecutable(): string {
  if (process.env.PIPELINE_VIEWER_NODE) return process.env.PIPELINE_VIEWER_NODE;
  const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined';
  return isDeno ? 'node' : process.execPath;
}

const PING_TIMEOUT_MS = 500;
const POLL_INTERVAL_MS = 100;
/** Ports tried after the requested one when it is held by someone else. */
const MAX_PORT_CANDIDATES = 64;
/** Spawns that may lose their port to another process in between (a race), before giving up. */
const MAX_SPAWNS = 3;

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** The next data port after `port` in the valid range (wrapping). */
function nextPort(port: number): number {
  return port >= MAX_DATA_PORT ? MIN_DATA_PORT : port + 1;
}

/** The first port from `from` on whose data, control and HTTP ports are all free, or null. */
async function freePortFrom(from: number): Promise<number | null> {
  let port = from;
  for (let i = 0; i < MAX_PORT_CANDIDATES; i++, port = nextPort(port)) {
    if (await portsFree([port, controlPort(port), httpPort(port)])) return port;
  }
  return null;
}

/** Waits (≤ deadline) until `record`'s server answers ping as itself; null when it did not. */
async function answering(record: ServerRecord, deadline: number, host?: string) {
  do {
    const pong = await ping(record.ports.data, { host, timeoutMs: PING_TIMEOUT_MS });
    if (pong && pong.pid === record.pid) return pong;
    await sleep(POLL_INTERVAL_MS);
  } while (Date.now() < deadline);
  return null;
}

/**
 * Reuse this user's server for `options.port` (found by its record), or spawn one detached,
 * on that port or, when it is held by anything else, on the next free one; wait until ready.
 */
export async function ensureServer(options: EnsureServerOptions): Promise<EnsureServerResult> {
  const { port: requested, host } = options;
  const env = options.env ?? process.env;
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  ensureViewerHome(env);

  const reuse = async (record: ServerRecord): Promise<EnsureServerResult> => {
    const pong = await answering(record, deadline, host);
    if (!pong) {
      throw new ServerStartError(
        `your viewer server pid ${record.pid} on port ${record.ports.data} did not answer ping within ${timeoutMs} ms; ` +
          `see its log ${record.log ?? defaultLogFile(record.ports.data, env)} (stop it with kill ${record.pid})`
      );
    }
    const logFile = record.log ?? defaultLogFile(record.ports.data, env);
    return { pong, spawned: false, logFile, record };
  };
  const own = findOwnServer(requested, env);
  if (own) return reuse(own);

  if (!fs.existsSync(options.script)) {
    throw new ServerStartError(
      `viewer server entry ${options.script} does not exist; build the package first (npx tsc -b)`
    );
  }
  let candidate = requested;
  for (let spawns = 0; spawns < MAX_SPAWNS; spawns++) {
    const port = await freePortFrom(candidate);
    if (port === null) {
      throw new ServerStartError(
        `no free data port near ${requested}: the ${MAX_PORT_CANDIDATES} ports from ${candidate} on (with +1000 and +3000) are all taken; choose another port`
      );
    }
    const result = await spawnAndWait(options, requested, port, deadline, env);
    if (result) return result;
    // Another process took `port` between the probe and the bind: ours (a racing start) or not.
    const raced = findOwnServer(requested, env);
    if (raced) return reuse(raced);
    candidate = nextPort(port);
  }
  throw new ServerStartError(
    `viewer server for port ${requested}: ${MAX_SPAWNS} starts lost their port to other programs; choose another port`
  );
}

/**
 * Environment the viewer server runs with. A fixed malloc mmap threshold: glibc otherwise
 * raises it to the size of the first large buffer freed, after which plane-sized buffers
 * (zeromq frames kept as planes) come from heap arenas whose freed parts it cannot give
 * back: streaming raw frames took the server's RSS to 1.8-2.0 × its memory budget above
 * idle, 1.1 × with this (tests/viewer-server/memory-bound.test.ts).
 */
export const SERVER_PROCESS_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(128 * 1024)
};

/**
 * Spawns the server on `port` and waits until it (or a racing server of ours) is ready.
 * Null when the port went to another program first (the child exits 0 or 3 then).
 */
async function spawnAndWait(
  options: EnsureServerOptions,
  requested: number,
  port: number,
  deadline: number,
  env: NodeJS.ProcessEnv
): Promise<EnsureServerResult | null> {
  const logFile = options.logFile ?? defaultLogFile(port, env);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const args = [options.script, '--port', String(port), '--log', logFile];
  if (port !== requested) args.push('--requested-port', String(requested));
  const logFd = openPrivateAppend(logFile);
  const exited: { code: number | null } = { code: null };
  let pid: number | undefined;
  try {
    const child = spawn(options.node ?? nodeExecutable(), [...args, ...(options.args ?? [])], {
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: { ...env, ...SERVER_PROCESS_ENV }
    });
    pid = child.pid;
    child.on('error', () => (exited.code = -1));
    child.on('exit', code => (exited.code = code ?? -1));
    // Detached and unreferenced: the server outlives this process (kernel restart, notebook closed).
    child.unref();
  } finally {
    fs.closeSync(logFd);
  }

  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  while (Date.now() < deadline) {
    const record = liveServerRecord(port, env);
    if (record) {
      const pong = await ping(port, { host: options.host, timeoutMs: PING_TIMEOUT_MS });
      if (pong && pong.pid === record.pid) {
        return { pong, spawned: record.pid === pid, logFile: record.log ?? logFile, record };
      }
    } else if (exited.code === 0 || exited.code === 3) {
      // 0: another viewer server holds the port, 3: another program does; not one of ours.
      return null;
    }
    if (exited.code !== null && exited.code !== 0 && exited.code !== 3) {
      throw new ServerStartError(
        `viewer server on port ${port} exited with code ${exited.code} before it was ready; see its log ${logFile}`
      );
    }
    await sleep(POLL_INTERVAL_MS);
  }
  throw new ServerStartError(
    `viewer server on port ${port} did not answer ping within ${timeoutMs} ms; see its log ${logFile}. ` +
      `If another program holds ports ${port}/${port + 1000}/${port + 3000}, choose another port.`
  );
}
