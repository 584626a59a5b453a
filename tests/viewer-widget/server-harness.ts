/**
 * Runs the real compiled viewer server (`lib/viewer-server/main.js`) for the widget's
 * protocol tests and sends it images over a real ZeroMQ DEALER socket. Every wait is
 * bounded. Ports: the viewer widget's tests use data ports 20200–20299 only.
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
  type BatchMessageInput,
  type BatchReply
} from '../../src/protocol/index.js';
import { ping } from '../../src/protocol/node/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(ROOT, 'lib/viewer-server/main.js');

export interface ViewerServerProcess {
  pid: number;
  stop(): Promise<void>;
}

/**
 * Start the server (test data ports 20200–20299 keep P+3000 below Linux's ephemeral range).
 * `home` becomes this test file's viewer home too, where the control client finds the
 * server's record and secret.
 */
export async function startViewerServer(port: number, home: string): Promise<ViewerServerProcess> {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first with 'npx tsc -b'`);
  process.env.PIPELINE_VIEWER_HOME = home;
  const child: ChildProcess = spawn(process.execPath, [MAIN, '--port', String(port)], {
    env: { ...process.env, PIPELINE_VIEWER_HOME: home },
    stdio: ['ignore', 'ignore', 'pipe']
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) =>
    process.stderr.write(`[viewer server ${port}] ${text}`)
  );
  const exit = new Promise<void>(resolve => child.on('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exit;
    clearTimeout(killer);
  };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const pong = await ping(port, { timeoutMs: 300 });
    if (pong) return { pid: pong.pid, stop };
    if (child.exitCode !== null) break;
    await new Promise(r => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`viewer server on port ${port} did not answer ping within 20 s`);
}

export function tempHome(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'plv-widget-test-'));
}

/** One batch over a DEALER socket (raw frames after the JSON header), reply awaited ≤ 5 s. */
export async function sendBatch(
  port: number,
  batch: BatchMessageInput,
  buffers: Uint8Array[]
): Promise<BatchReply> {
  const socket = new zmq.Dealer({ linger: 0, receiveTimeout: 5000, sendTimeout: 5000 });
  try {
    socket.connect(`tcp://127.0.0.1:${port}`);
    await socket.send(encodeBatch(batch, buffers));
    const reply = await socket.receive();
    return decodeJson(reply[reply.length - 1], BatchReplySchema, 'batch reply');
  } finally {
    socket.close();
  }
}

/** Poll `check` until it returns a value other than undefined/false, at most `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false,
  timeoutMs = 10_000
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise(r => setTimeout(r, 20));
  }
}
