/**
 * `pipeline-viewer server start|stop|status|clear [--port N]` (bin/pipeline-viewer.js).
 * start reuses a running server or spawns a detached one and waits ≤ 30 s for ready;
 * status prints the server's status as JSON; stop asks it to shut down and waits until
 * its ports are free; clear empties its layers (every connected panel empties too).
 * Exit code 2 for a usage error (bad port, unknown option), 1 with a message on stderr when something fails.
 */
import { fileURLToPath } from 'node:url';
import { controlPort, DEFAULT_DATA_PORT, httpPort } from '../../protocol/index.js';
import {
  controlRequest,
  ControlTimeoutError,
  ensureServer,
  ping
} from '../../protocol/node/index.js';
import { waitPortsFree } from './ports-free.js';
import { defaultServerLog } from './paths.js';
import { parsePort, readOptions, UsageError } from './server-args.js';

const USAGE = `usage: pipeline-viewer server start|stop|status|clear [--port N]
  start   [--port N] [--memory-budget BYTES] [--store DIR] [--log FILE]
          start a detached viewer server on data port N (default ${DEFAULT_DATA_PORT}), or report the running one
  status  [--port N]   print the server's status as JSON (pid, ports, layers, counters)
  stop    [--port N]   shut the server down and wait until its ports are free
  clear   [--port N]   remove every layer the server holds`;

const STOP_WAIT_MS = 10_000;
/** Generous bounds: a busy 2-core machine can hold a reply back for seconds. */
const REPLY_TIMEOUT_MS = 10_000;
const PING_TIMEOUT_MS = 3000;

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

async function start(options: Map<string, string>, port: number): Promise<number> {
  const logFile = options.get('log') ?? defaultServerLog(port);
  const args = ['--log', logFile];
  if (options.has('memory-budget')) args.push('--memory-budget', options.get('memory-budget')!);
  if (options.has('store')) args.push('--store', options.get('store')!);
  const { pong, spawned } = await ensureServer({
    script: fileURLToPath(new URL('../main.js', import.meta.url)),
    port,
    args,
    logFile
  });
  print({
    server: spawned ? 'started' : 'already running',
    pid: pong.pid,
    ports: { data: pong.port, control: pong.control_port, http: pong.http_port },
    log: logFile
  });
  return 0;
}

async function status(port: number): Promise<number> {
  try {
    const reply = await controlRequest(port, { type: 'status' }, { timeoutMs: REPLY_TIMEOUT_MS });
    if (reply.type !== 'status') throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
    print(reply.status);
    return 0;
  } catch (err) {
    if (err instanceof ControlTimeoutError) {
      process.stderr.write(
        `pipeline-viewer: no viewer server answers on port ${port} (control port ${controlPort(port)})\n`
      );
      return 1;
    }
    throw err;
  }
}

async function clear(port: number): Promise<number> {
  try {
    const reply = await controlRequest(
      port,
      { type: 'clear_state' },
      { timeoutMs: REPLY_TIMEOUT_MS }
    );
    if (reply.type !== 'clear_state_ack')
      throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
    print({ cleared: true, port });
    return 0;
  } catch (err) {
    if (err instanceof ControlTimeoutError) {
      process.stderr.write(`pipeline-viewer: no viewer server answers on port ${port}\n`);
      return 1;
    }
    throw err;
  }
}

async function stop(port: number): Promise<number> {
  const pong = await ping(port, { timeoutMs: PING_TIMEOUT_MS });
  if (pong === null) {
    print({ stopped: false, reason: `no viewer server answers on port ${port}` });
    return 0;
  }
  await controlRequest(port, { type: 'shutdown' }, { timeoutMs: REPLY_TIMEOUT_MS });
  const ports = [port, controlPort(port), httpPort(port)];
  if (!(await waitPortsFree(ports, STOP_WAIT_MS))) {
    process.stderr.write(
      `pipeline-viewer: server pid ${pong.pid} acknowledged shutdown but ports ${ports.join('/')} are still bound after ${STOP_WAIT_MS} ms; kill ${pong.pid} if it hangs\n`
    );
    return 1;
  }
  print({
    stopped: true,
    pid: pong.pid,
    ports: { data: port, control: controlPort(port), http: httpPort(port) }
  });
  return 0;
}

export async function runCli(argv: readonly string[]): Promise<number> {
  const [group, command, ...rest] = argv;
  if (group !== 'server' || !['start', 'stop', 'status', 'clear'].includes(command)) {
    process.stderr.write(`${USAGE}\n`);
    return group === undefined || group === '--help' || group === '-h' ? 0 : 2;
  }
  try {
    const known = command === 'start' ? ['port', 'memory-budget', 'store', 'log'] : ['port'];
    const options = readOptions(rest, known);
    const port = parsePort(options.get('port') ?? String(DEFAULT_DATA_PORT));
    if (command === 'start') return await start(options, port);
    if (command === 'status') return await status(port);
    if (command === 'clear') return await clear(port);
    return await stop(port);
  } catch (err) {
    const usage = err instanceof UsageError;
    process.stderr.write(
      `pipeline-viewer server ${command}: ${(err as Error).message}\n${usage ? `${USAGE}\n` : ''}`
    );
    return usage ? 2 : 1;
  }
}

runCli(process.argv.slice(2)).then(
  code => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`pipeline-viewer: ${(err as Error).stack}\n`);
    process.exit(1);
  }
);
