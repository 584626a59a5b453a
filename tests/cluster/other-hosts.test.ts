/**
 * Workers on other hosts (issue 15): two network namespaces with veth pairs to a host-side
 * bridge on a private /24, each with its own host name, one `pipeline-viewer worker` inside
 * each. Redis listens only on the bridge address, the viewer's CURVE remote port too; a
 * 6-well plate runs with the queue executor. Every well runs once with complete outputs, the
 * viewer shows every streamed well, its status names both namespace addresses as producers,
 * and the progress tally names both host names. Skipped, with the reason, where `ip netns
 * add` is not allowed (not root). Ports 28000 (Redis), 28010 (+1000, +3000), 28020: h8's range.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { controlRequest, ping } from '../../src/protocol/node/control-client.js';
import {
  compile,
  Pipeline,
  readPlate,
  run,
  Step,
  writeSyntheticPlate,
  type RunEvent
} from '../../src/runtime/index.js';
import {
  ensureLibBuilt,
  killServers,
  removeTempViewerHome,
  SERVER_MAIN,
  useTempViewerHome
} from '../streaming/server-harness.js';
import { createHosts, netnsUnavailable, type OtherHosts } from './netns-harness.js';
import { BIN } from './redis-harness.js';

const REDIS_PORT = 28000;
const PORT = 28010;
const REMOTE_PORT = 28020;
const QUEUE = 'plv-test-other-hosts';
const WELLS = ['A01', 'A02', 'A03', 'A04', 'A05', 'A06'];
const STEPS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'steps.mjs');

const unavailable = netnsUnavailable();
if (unavailable) console.warn(`other-hosts.test skipped: ${unavailable}`);

async function until(what: string, ms: number, check: () => boolean | Promise<boolean>) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise(r => setTimeout(r, 50));
  }
}

/** SIGTERM, then SIGKILL after a bounded wait. */
async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const within = (ms: number) =>
    new Promise<boolean>(resolve => {
      const timer = setTimeout(() => resolve(false), ms);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  child.kill('SIGTERM');
  if (await within(10_000)) return;
  child.kill('SIGKILL');
  await within(5_000);
}

function collectStderr(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  return () => text;
}

let net: OtherHosts | undefined;
let tmp: string;
let redis: ChildProcess | undefined;
let server: ChildProcess | undefined;
const workers: ChildProcess[] = [];

(unavailable ? describe.skip : describe)('workers in other network namespaces', () => {
  beforeAll(async () => {
    ensureLibBuilt();
    net = createHosts(2);
    tmp = mkdtempSync(path.join(os.tmpdir(), 'plv-netns-'));
    useTempViewerHome('cluster-netns');
    await writeSyntheticPlate(path.join(tmp, 'plate'), {
      wells: WELLS.length,
      sites: 2,
      channels: 1,
      zPlanes: 1,
      width: 40,
      height: 30
    });
    // Redis on the private address only: no password, so never on a shared network.
    redis = spawn(
      'redis-server',
      [
        ...['--bind', net.hostAddress, '--port', String(REDIS_PORT), '--protected-mode', 'no'],
        ...['--save', '', '--appendonly', 'no', '--dir', tmp, '--loglevel', 'warning']
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] }
    );
    const redisErr = collectStderr(redis);
    const host = net.hostAddress;
    await until('redis-server ready', 30_000, async () => {
      if (redis!.exitCode !== null) throw new Error(`redis-server exited: ${redisErr()}`);
      const client = new Redis({
        host,
        port: REDIS_PORT,
        lazyConnect: true,
        maxRetriesPerRequest: 0
      });
      try {
        await client.connect();
        return (await client.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        client.disconnect();
      }
    });
    server = spawn(
      process.execPath,
      [SERVER_MAIN, '--port', String(PORT), '--remote', `${host}:${REMOTE_PORT}`],
      { stdio: 'ignore', env: process.env }
    );
    await until(
      'viewer server ready',
      30_000,
      async () => (await ping(PORT, { timeoutMs: 500 })) !== null
    );
    for (const { name } of net.hosts) {
      const url = `redis://${host}:${REDIS_PORT}`;
      const command = [process.execPath, BIN, 'worker', '--redis', url, '--queue', QUEUE];
      const child = spawn('ip', net.exec(name, command), {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: process.env
      });
      workers.push(child);
      const err = collectStderr(child);
      await until(`worker in ${name} ready`, 60_000, () => {
        if (child.exitCode !== null) throw new Error(`worker in ${name} exited: ${err()}`);
        return err().includes(` on redis://${host}`);
      });
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(workers.splice(0).map(stop)); // before the namespaces they live in
    await stop(server);
    await killServers(PORT);
    await stop(redis);
    net?.remove();
    removeTempViewerHome();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  test('a plate runs over workers on two other hosts, streaming to the viewer', async () => {
    const { hostAddress, hosts } = net!;
    const home = process.env.PIPELINE_VIEWER_HOME!;
    const serverKey = readFileSync(path.join(home, 'curve', 'server.key.pub'), 'utf8').trim();
    const log = path.join(tmp, 'calls.log');
    const output = path.join(tmp, 'out');
    const pipeline = new Pipeline({
      name: 'netns',
      steps: [
        new Step({
          name: 'Invert',
          func: { module: STEPS, export: 'invert', args: { ms: 250, log } },
          streaming: { enabled: true, port: PORT }
        })
      ]
    });
    const plate = await readPlate(path.join(tmp, 'plate'));
    const plan = await compile(
      pipeline,
      plate,
      { output_dir: output },
      { executor: { kind: 'queue' } }
    );
    const events: RunEvent[] = [];
    const result = await run(plan, {
      executor: {
        kind: 'queue',
        redis: `redis://${hostAddress}:${REDIS_PORT}`,
        queue: QUEUE,
        viewer: { host: hostAddress, port: REMOTE_PORT, serverKey }
      },
      onEvent: e => events.push(e)
    });

    expect(result.wells.map(w => [w.well, w.status])).toEqual(WELLS.map(w => [w, 'ok']));
    // each well's step ran exactly once
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    expect(calls.map(l => l.split(' ')[0]).sort()).toEqual(WELLS);
    // outputs complete: 2 sites per well, no temporaries
    const files = readdirSync(output, { recursive: true, withFileTypes: true })
      .filter(e => e.isFile())
      .map(e => path.relative(output, path.join(e.parentPath, e.name)))
      .filter(f => !f.startsWith('wells'));
    expect(files.sort()).toEqual(
      WELLS.flatMap(w => [1, 2].map(s => `${w}_s00${s}_w1_z001_t001.tif`))
    );
    expect(result.stream.total).toEqual({ sent: 12, dropped: 0, errors: [] });

    // the progress names two workers, on the two namespaces' host names
    const tallies = Object.values(result.queue!.workers);
    expect(tallies.map(t => t.host).sort()).toEqual(hosts.map(h => h.name).sort());
    expect(tallies.reduce((n, t) => n + t.wellsDone, 0)).toBe(WELLS.length);
    expect(events.filter(e => e.type === 'well-finished')).toHaveLength(WELLS.length);

    const reply = await controlRequest(PORT, { type: 'status' }, { timeoutMs: 10_000 });
    if (reply.type !== 'status') throw new Error(`expected a status reply, got ${reply.type}`);
    const { layers, counters } = reply.status;
    expect(layers).toHaveLength(1);
    expect(layers[0].image_count).toBe(12);
    expect(layers[0].axes.find(a => a.name === 'well')?.values).toEqual(WELLS);
    // both namespace addresses stream: the viewer sees them as two remote hosts
    expect(Object.keys(counters.remote_producers ?? {}).sort()).toEqual(
      hosts.map(h => h.address).sort()
    );
  }, 60_000);
});
