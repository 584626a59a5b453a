/**
 * `pipeline-viewer server start|stop|status|clear|connect|list [--port N]` and `pipeline-viewer open
 * PATH [--port N]` (bin/pipeline-viewer.js); open asks the running server to show a plate from disk.
 * start reuses this user's server for N or spawns a detached one (on N, or on a free port when
 * N is held by anything else) and waits ≤ 30 s for ready; status prints the server's status
 * as JSON; stop asks it to shut down and waits until its ports are free; clear empties its
 * layers (every connected panel empties too); connect prints its ports, browser token and
 * whether it answers ping yet (for the Jupyter server extension); list prints this user's
 * live servers (no secrets), newest first, from their records. All but start act only on a server of this user, found by
 * its record in the viewer home (protocol/node/server-record.ts), and send its secret.
 * Exit code 2 for a usage error (bad port, unknown option), 1 with a message on stderr when
 * something fails.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { controlPort, DEFAULT_DATA_PORT } from '../../protocol/index.js';
import {
  controlRequest,
  ControlTimeoutError,
  ensureServer,
  findOwnServer,
  listOwnServers,
  ping,
  viewerHome,
  waitPortsFree,
  type ServerRecord
} from '../../protocol/node/index.js';
import { defaultStoreDir } from './paths.js';
import { parseBytes, parsePort, parseRemote, readOptions, UsageError } from './server-args.js';

const USAGE = `usage: pipeline-viewer server start|stop|status|clear|connect|list [--port N]
       pipeline-viewer open PATH [--port N]   show the plate folder PATH (OME-Zarr, Harmony, …)
          in your running server's panel, read from disk plane by plane; prints its layer
  start   [--port N] [--memory-budget BYTES] [--store DIR] [--store-limit BYTES] [--fresh] [--log FILE]
          [--remote HOST:PORT]  (also serve producers on other machines there, CURVE only: docs/cluster.md)
          start a detached viewer server for data port N (default ${DEFAULT_DATA_PORT}), or report yours;
          --memory-budget bounds the pixels it keeps in memory (default 1.75G, so that its RSS stays
          within 2 GiB: RSS ≈ idle ~75 MiB + budget + ~25 MiB); the rest is spilled to its store;
          it shows again the layers the last server for N held (--fresh: starts empty, deleting them);
          when N is held by another user or program, your server takes the next free port
  status  [--port N]   print your server's status as JSON (pid, ports, layers, counters)
  stop    [--port N]   shut your server down (its layers stay stored) and wait until its ports are free
  clear   [--port N] [--store DIR]   remove every layer your server holds, and its stored layers
          (also when no server runs)
  connect [--port N]   print your server's ports and browser token as JSON
  list                 print your running servers as JSON (ports, pid, start time)`;

const STOP_WAIT_MS = 10_000;
/** Generous bounds: a busy 2-core machine can hold a reply back for seconds. */
const REPLY_TIMEOUT_MS = 10_000;
const PING_TIMEOUT_MS = 3000;
/** open_plate waits for the plate's reader (≤ 10 s to open, ≤ 10 s a request), then replies. */
const OPEN_TIMEOUT_MS = 40_000;
/** connect is asked again with backoff while a server is not ready: a short ping suffices. */
const CONNECT_PING_TIMEOUT_MS = 1500;

class CliError extends Error {}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** This user's server for `port`, or a CliError saying what answers there instead. */
async function ownServer(port: number): Promise<ServerRecord> {
  const record = findOwnServer(port);
  if (record) return record;
  const pong = await ping(port, { timeoutMs: PING_TIMEOUT_MS });
  if (pong) {
    const owner = pong.uid === undefined ? '' : `, uid ${pong.uid}`;
    throw new CliError(
      `the viewer server on port ${port} (pid ${pong.pid}${owner}) is not yours: no record of it in ${viewerHome()}; ` +
        `start your own with: pipeline-viewer server start --port ${port}`
    );
  }
  throw new CliError(
    `no viewer server answers on port ${port} (control port ${controlPort(port)})`
  );
}

/** One authorized request to `record`'s server; its reply of type `expected`, else an error. */
async function command<T extends string>(
  record: ServerRecord,
  type: 'status' | 'clear_state' | 'shutdown' | 'open_plate',
  expected: T,
  plate?: string
) {
  let reply;
  try {
    reply = await controlRequest(
      record.ports.data,
      type === 'open_plate' ? { type, path: plate ?? '' } : { type },
      {
        timeoutMs: type === 'open_plate' ? OPEN_TIMEOUT_MS : REPLY_TIMEOUT_MS,
        secret: record.secret
      }
    );
  } catch (err) {
    if (err instanceof ControlTimeoutError) {
      throw new CliError(
        `no viewer server answers on port ${record.ports.data} (pid ${record.pid})`
      );
    }
    throw err;
  }
  if (reply.type !== expected) {
    throw new CliError(
      reply.type === 'error' ? reply.error : `unexpected reply ${JSON.stringify(reply)}`
    );
  }
  return reply as Extract<typeof reply, { type: T }>;
}

async function start(options: Map<string, string>, port: number): Promise<number> {
  const args: string[] = [];
  if (options.has('memory-budget')) args.push('--memory-budget', options.get('memory-budget')!);
  if (options.has('store')) args.push('--store', options.get('store')!);
  if (options.has('store-limit')) {
    parseBytes(options.get('store-limit')!); // a usage error here, not in the server's log
    args.push('--store-limit', options.get('store-limit')!);
  }
  if (options.has('fresh')) args.push('--fresh');
  if (options.has('remote')) {
    parseRemote(options.get('remote')!); // a usage error here, not in the server's log
    args.push('--remote', options.get('remote')!);
  }
  const { pong, spawned, logFile, record } = await ensureServer({
    script: fileURLToPath(new URL('../main.js', import.meta.url)),
    port,
    args,
    logFile: options.get('log')
  });
  print({
    server: spawned ? 'started' : 'already running',
    pid: pong.pid,
    requested_port: port,
    ports: record.ports,
    log: logFile
  });
  return 0;
}

async function status(port: number): Promise<number> {
  const reply = await command(await ownServer(port), 'status', 'status');
  print(reply.status);
  return 0;
}

async function clear(port: number, options: Map<string, string>): Promise<number> {
  let record: ServerRecord;
  try {
    record = await ownServer(port);
  } catch (err) {
    if (!/no viewer server answers/.test((err as Error).message)) throw err;
    return clearStore(port, options.get('store') ?? defaultStoreDir(port));
  }
  await command(record, 'clear_state', 'clear_state_ack');
  print({ cleared: true, port: record.ports.data });
  return 0;
}

/** No server runs for `port`: delete the layers its store holds (as a running one would). */
function clearStore(port: number, dir: string): number {
  const lock = path.join(dir, 'lock');
  const pid = fs.existsSync(lock) ? Number(fs.readFileSync(lock, 'utf8').trim()) : 0;
  if (pid > 0 && alive(pid))
    throw new CliError(
      `the layer store ${dir} is in use by process ${pid}, a viewer server still stopping or started with --store; try again, or clear through its port`
    );
  const stored = fs.existsSync(path.join(dir, 'store.json'));
  if (stored) {
    fs.rmSync(path.join(dir, 'planes.zarr'), { recursive: true, force: true });
    fs.rmSync(path.join(dir, 'store.json'), { force: true });
  }
  print({ cleared: stored, port, running: false, store: dir });
  return 0;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function stop(port: number): Promise<number> {
  let record: ServerRecord;
  try {
    record = await ownServer(port);
  } catch (err) {
    print({ stopped: false, reason: (err as Error).message });
    return /no viewer server answers/.test((err as Error).message) ? 0 : 1;
  }
  await command(record, 'shutdown', 'shutdown_ack');
  const ports = [record.ports.data, record.ports.control, record.ports.http];
  if (!(await waitPortsFree(ports, STOP_WAIT_MS))) {
    throw new CliError(
      `server pid ${record.pid} acknowledged shutdown but ports ${ports.join('/')} are still bound after ${STOP_WAIT_MS} ms; kill ${record.pid} if it hangs`
    );
  }
  print({ stopped: true, pid: record.pid, ports: record.ports });
  return 0;
}

/**
 * What the Jupyter server extension needs to proxy the panel to this user's server. `ready`:
 * it answers ping as itself, so every port is bound (the record is written a moment before
 * the control port); until then the panel waits instead of letting the proxy hit a closed port.
 */
async function connect(port: number): Promise<number> {
  const record = await ownServer(port);
  const pong = await ping(record.ports.data, { timeoutMs: CONNECT_PING_TIMEOUT_MS });
  print({
    requested_port: port,
    pid: record.pid,
    started_at: record.started_at,
    ports: record.ports,
    ready: pong !== null && pong.pid === record.pid,
    browser_token: record.browser_token
  });
  return 0;
}

/** `open PATH`: the plate at PATH (absolute from here) as a layer from disk of this user's server. */
async function openPlate(plate: string, port: number): Promise<number> {
  const dir = path.resolve(plate);
  if (!fs.existsSync(dir)) throw new CliError(`open: no such folder '${dir}'`);
  const record = await ownServer(port);
  const reply = await command(record, 'open_plate', 'open_plate_ack', dir);
  print({ opened: dir, layer: reply.layer, port: record.ports.data });
  return 0;
}

/** This user's live servers, newest first: what a panel can open (no secret, no token). */
function list(): number {
  print({
    servers: listOwnServers().map(r => ({
      requested_port: r.requested_port,
      pid: r.pid,
      started_at: r.started_at,
      ports: r.ports
    }))
  });
  return 0;
}

const COMMANDS = ['start', 'stop', 'status', 'clear', 'connect', 'list'];

export async function runCli(argv: readonly string[]): Promise<number> {
  const [group, command, ...rest] = argv;
  if (group === 'open') {
    try {
      if (command === undefined || command.startsWith('--'))
        throw new UsageError('open: name the plate folder to show (pipeline-viewer open PATH)');
      const options = readOptions(rest, ['port']);
      return await openPlate(command, parsePort(options.get('port') ?? String(DEFAULT_DATA_PORT)));
    } catch (err) {
      const usage = err instanceof UsageError;
      const message = err instanceof CliError ? err.message : `open: ${(err as Error).message}`;
      process.stderr.write(`pipeline-viewer: ${message}\n${usage ? `${USAGE}\n` : ''}`);
      return usage ? 2 : 1;
    }
  }
  if (group !== 'server' || !COMMANDS.includes(command)) {
    process.stderr.write(`${USAGE}\n`);
    return group === undefined || group === '--help' || group === '-h' ? 0 : 2;
  }
  try {
    const known =
      command === 'start'
        ? ['port', 'memory-budget', 'store', 'store-limit', 'log', 'remote']
        : command === 'clear'
          ? ['port', 'store']
          : ['port'];
    // --fresh is the one flag without a value
    const fresh = command === 'start' && rest.includes('--fresh');
    const options = readOptions(
      fresh ? rest.filter(a => a !== '--fresh') : rest,
      command === 'list' ? [] : known
    );
    if (fresh) options.set('fresh', '');
    if (command === 'list') return list();
    const port = parsePort(options.get('port') ?? String(DEFAULT_DATA_PORT));
    if (command === 'start') return await start(options, port);
    if (command === 'status') return await status(port);
    if (command === 'clear') return await clear(port, options);
    if (command === 'connect') return await connect(port);
    return await stop(port);
  } catch (err) {
    const usage = err instanceof UsageError;
    const message =
      err instanceof CliError
        ? `pipeline-viewer: ${err.message}`
        : `pipeline-viewer server ${command}: ${(err as Error).message}`;
    process.stderr.write(`${message}\n${usage ? `${USAGE}\n` : ''}`);
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
