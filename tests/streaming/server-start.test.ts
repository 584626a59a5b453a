/**
 * Starting the REAL viewer server (see server-harness.ts for how lib/ is built):
 * two producer processes racing to start one port, and the CLI's ping/status round trip.
 * Ports 20130 and 20140 (+1000, +3000).
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ServerStatusSchema } from '../../src/protocol/index.js';
import { ping } from '../../src/protocol/node/control-client.js';
import {
  ensureLibBuilt,
  killServers,
  ROOT,
  serverPids,
  useTempViewerHome,
  removeTempViewerHome
} from './server-harness.js';

const run = promisify(execFile);
const PORT_RACE = 20130;
const PORT_CLI = 20140;
const CLI = path.join(ROOT, 'bin', 'pipeline-viewer.js');

beforeAll(() => {
  ensureLibBuilt();
  useTempViewerHome('server-start');
}, 320_000);

afterAll(async () => {
  await killServers(PORT_RACE);
  await killServers(PORT_CLI);
  removeTempViewerHome();
});

/** A producer in its own process: ViewerManager.start() from the built package, prints the pid. */
const PRODUCER = `
const { ViewerManager } = await import(${JSON.stringify(path.join(ROOT, 'lib', 'runtime', 'streaming', 'viewer-manager.js'))});
const pong = await new ViewerManager({ port: Number(process.argv[1]) }).start();
console.log(JSON.stringify({ pid: pong.pid }));
`;

it('two producers starting the server at the same moment get one server', async () => {
  expect(await ping(PORT_RACE, { timeoutMs: 300 })).toBeNull();
  const producers = [0, 1].map(() =>
    run(process.execPath, ['--input-type=module', '-e', PRODUCER, String(PORT_RACE)], {
      timeout: 60_000,
      env: process.env
    })
  );
  const pids = (await Promise.all(producers)).map(
    ({ stdout }) => (JSON.parse(stdout.trim().split('\n').pop()!) as { pid: number }).pid
  );
  expect(pids[0]).toBe(pids[1]);
  const pong = await ping(PORT_RACE, { timeoutMs: 2000 });
  expect(pong?.pid).toBe(pids[0]);
  // The loser exits once it sees the winner; then exactly one server process holds the port.
  const deadline = Date.now() + 15_000;
  while (serverPids(PORT_RACE).length > 1 && Date.now() < deadline)
    await new Promise(r => setTimeout(r, 100));
  expect(serverPids(PORT_RACE)).toEqual([pids[0]]);
}, 90_000);

it('CLI: start (ping) and status round trip, then stop', async () => {
  const started = await run(
    process.execPath,
    [CLI, 'server', 'start', '--port', String(PORT_CLI)],
    { timeout: 60_000 }
  );
  const start = JSON.parse(started.stdout) as {
    server: string;
    pid: number;
    ports: Record<string, number>;
  };
  expect(start.server).toBe('started');
  expect(start.ports).toEqual({ data: PORT_CLI, control: PORT_CLI + 1000, http: PORT_CLI + 3000 });

  const again = JSON.parse(
    (
      await run(process.execPath, [CLI, 'server', 'start', '--port', String(PORT_CLI)], {
        timeout: 30_000
      })
    ).stdout
  );
  expect(again).toMatchObject({ server: 'already running', pid: start.pid });

  const { stdout } = await run(
    process.execPath,
    [CLI, 'server', 'status', '--port', String(PORT_CLI)],
    { timeout: 30_000 }
  );
  const status = ServerStatusSchema.parse(JSON.parse(stdout));
  expect(status.pid).toBe(start.pid);
  expect(status.ports).toEqual({ data: PORT_CLI, control: PORT_CLI + 1000, http: PORT_CLI + 3000 });
  expect(status.layers).toEqual([]);
  expect(status.counters).toMatchObject({ messages: 0, bytes: 0, dropped: 0, errors: 0 });

  await run(process.execPath, [CLI, 'server', 'stop', '--port', String(PORT_CLI)], {
    timeout: 30_000
  });
  expect(await ping(PORT_CLI, { timeoutMs: 500 })).toBeNull();
  // status of a stopped server fails with a message naming the port.
  const failed = await run(
    process.execPath,
    [CLI, 'server', 'status', '--port', String(PORT_CLI)],
    { timeout: 30_000 }
  ).then(
    () => null,
    (err: { code: number; stderr: string }) => err
  );
  expect(failed?.code).not.toBe(0);
  expect(failed?.stderr).toMatch(/20140/);
}, 120_000);
