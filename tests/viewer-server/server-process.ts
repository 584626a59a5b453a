/**
 * Helpers for integration tests: run the real compiled server (`lib/viewer-server/main.js`)
 * as a child process on a test port, talk to it over real ZeroMQ sockets and HTTP.
 * Every wait is bounded. Ports: this room's tests use 20000–20099 only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zmq from 'zeromq';
import {
  BatchReplySchema,
  decodeJson,
  encodeBatch,
  httpPort,
  type BatchMessageInput,
  planeUrl,
  type BatchReply,
  type PlanePosition
} from '../../src/protocol/index.js';
import { ping, SERVER_PROCESS_ENV } from '../../src/protocol/node/index.js';
import { tokenHeaders } from './browser-token.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MAIN = path.join(ROOT, 'lib/viewer-server/main.js');
export const BIN = path.join(ROOT, 'bin/pipeline-viewer.js');

export function requireBuild(): void {
  if (!fs.existsSync(MAIN))
    throw new Error(`${MAIN} is missing: build first with 'npx tsc -b' (scripts/setup.sh does)`);
}

export function tempHome(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'plv-server-test-'));
}

export interface RunningServer {
  child: ChildProcess;
  port: number;
  home: string;
  exit: Promise<number | null>;
  stop(): Promise<void>;
}

export function spawnMain(
  port: number,
  home: string,
  args: string[] = []
): { child: ChildProcess; exit: Promise<number | null> } {
  requireBuild();
  const child = spawn(process.execPath, [MAIN, '--port', String(port), ...args], {
    // as ensureServer() starts it (SERVER_PROCESS_ENV)
    env: { ...process.env, ...SERVER_PROCESS_ENV, PIPELINE_VIEWER_HOME: home },
    stdio: ['ignore', 'ignore', 'pipe']
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => process.stderr.write(`[server ${port}] ${text}`));
  const exit = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
  return { child, exit };
}

export type MainProcess = ReturnType<typeof spawnMain>;

/**
 * Servers of one viewer home that a test starts, kills and starts again (restart tests):
 * each logs to <home>/viewer-server-<port>.log; `stopAll` SIGKILLs what is left (afterAll).
 */
export class RestartedServers {
  private readonly running = new Set<MainProcess>();

  constructor(
    private readonly home: string,
    private readonly readyMs = 20_000
  ) {}

  logFile(port: number): string {
    return path.join(this.home, `viewer-server-${port}.log`);
  }

  async start(port: number, args: string[] = []): Promise<MainProcess> {
    const server = spawnMain(port, this.home, ['--log', this.logFile(port), ...args]);
    this.running.add(server);
    await waitReady(port, this.readyMs);
    return server;
  }

  async stop(server: MainProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    server.child.kill(signal);
    const code = await within(server.exit, 30_000);
    this.running.delete(server);
    if (code === 'timeout') throw new Error('server did not exit within 30 s');
  }

  async stopAll(): Promise<void> {
    for (const server of this.running) await this.stop(server, 'SIGKILL');
  }
}

export async function waitReady(port: number, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const pong = await ping(port, { timeoutMs: 300 });
    if (pong) return pong.pid;
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  throw new Error(`server on ${port} not ready within ${timeoutMs} ms`);
}

/**
 * Starts the server in a fresh viewer home, which becomes this test file's home too
 * (process.env.PIPELINE_VIEWER_HOME): the control client finds the server's record, with
 * the secret status, clear_state and shutdown need, there.
 */
export async function startServer(port: number, args: string[] = []): Promise<RunningServer> {
  const home = tempHome();
  process.env.PIPELINE_VIEWER_HOME = home;
  const { child, exit } = spawnMain(port, home, args);
  await waitReady(port);
  return {
    child,
    port,
    home,
    exit,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const killed = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(killed);
      fs.rmSync(home, { recursive: true, force: true });
    }
  };
}

/** Send one message as REQ (OpenHCS style, with delimiter) or DEALER (without) and read the reply. */
/** `port` is a data port (TCP) or a full endpoint such as `ipc:///…/data-20010.sock`. */
export async function sendFrames(
  port: number | string,
  frames: Uint8Array[],
  kind: 'req' | 'dealer' = 'req'
): Promise<BatchReply> {
  // The server may wait up to 5 s for memory to free (SETTLE_MS) before it copies and replies:
  // a reply bound of 5 s ran out at load 25, so 15 s.
  const options = { linger: 0, receiveTimeout: 15_000, sendTimeout: 15_000 };
  const socket = kind === 'req' ? new zmq.Request(options) : new zmq.Dealer(options);
  try {
    socket.connect(typeof port === 'string' ? port : `tcp://127.0.0.1:${port}`);
    await socket.send(frames);
    const reply = await socket.receive();
    return decodeJson(reply[reply.length - 1], BatchReplySchema, 'batch reply');
  } finally {
    socket.close();
  }
}

export function sendBatch(
  port: number | string,
  batch: BatchMessageInput,
  buffers: Uint8Array[] = [],
  kind: 'req' | 'dealer' = 'req'
) {
  return sendFrames(port, encodeBatch(batch, buffers), kind);
}

/** The query of `api/plane` for the plane at axis values `at`, as the widget builds it. */
export function planeQuery(layer: string, at: PlanePosition, max: number): string {
  return new URL(planeUrl('http://127.0.0.1/', layer, at, max)).search.slice(1);
}

export async function getPlane(
  port: number,
  query: string
): Promise<{ status: number; headers: Headers; body: Uint8Array }> {
  const res = await fetch(`http://127.0.0.1:${httpPort(port)}/api/plane?${query}`, {
    headers: tokenHeaders(port),
    signal: AbortSignal.timeout(10_000)
  });
  return {
    status: res.status,
    headers: res.headers,
    body: new Uint8Array(await res.arrayBuffer())
  };
}

/** `promise`'s value, or 'timeout' after `ms` (the timer is cleared either way). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<'timeout'>(r => (timer = setTimeout(() => r('timeout'), ms)))
    ]);
  } finally {
    clearTimeout(timer);
  }
}
