/**
 * The queue executor against real Redis and real `pipeline-viewer worker` processes
 * (issue 15): a 24-well plate over 3 workers, each well processed exactly once with complete
 * outputs; a worker killed with SIGKILL mid-well, its well retried and completed elsewhere;
 * a failing well reported with its error while the others go on; cancellation; inline
 * functions refused before anything is queued. No viewer: nothing is streamed here.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import {
  compile,
  CompileError,
  Pipeline,
  readPlate,
  run,
  Step,
  writeSyntheticPlate,
  type RunEvent
} from '../../src/runtime/index.js';
import { redisConnection } from '../../src/runtime/cluster/redis-connection.js';
import { runWithProgress } from '../../src/runtime/notebook/run-with-progress.js';
import { ensureLibBuilt } from '../streaming/server-harness.js';
import {
  startRedis,
  startWorker,
  type RedisInstance,
  type WorkerProcess
} from './redis-harness.js';

const STEPS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'steps.mjs');

let redis: RedisInstance;
let tmp: string;
let plateDir: string;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  ensureLibBuilt();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'plv-cluster-'));
  plateDir = path.join(tmp, 'plate');
  await writeSyntheticPlate(plateDir, {
    wells: 24,
    sites: 2,
    channels: 1,
    zPlanes: 1,
    width: 32,
    height: 32
  });
  redis = await startRedis();
}, 120_000);

afterEach(async () => {
  await Promise.all(workers.splice(0).map(w => w.stop()));
});

afterAll(async () => {
  await redis?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** A queue of its own per test, so one test's jobs never meet another's workers. */
function queueName(label: string): string {
  return `plv-test-${label}`;
}

async function startWorkers(n: number, queue: string, extra: string[] = []) {
  const started = await Promise.all(
    Array.from({ length: n }, () => startWorker(redis.url, ['--queue', queue, ...extra]))
  );
  workers.push(...started);
  return started;
}

function lines(file: string): string[][] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map(l => l.split(' '));
}

async function planFor(name: string, steps: Step[], wells?: string[]) {
  const plate = await readPlate(plateDir);
  const output = path.join(tmp, `${name}-out`);
  const pipeline = new Pipeline({ name, steps });
  return {
    output,
    plan: await compile(
      pipeline,
      plate,
      { output_dir: output, ...(wells ? { well_filter: wells } : {}) },
      { executor: { kind: 'queue' } }
    )
  };
}

function outputFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(e => e.isFile())
    .map(e => path.relative(dir, path.join(e.parentPath, e.name)));
}

test('24 wells over 3 workers: every well processed once, outputs complete', async () => {
  const queue = queueName('24');
  await startWorkers(3, queue);
  const log = path.join(tmp, '24.log');
  const { plan, output } = await planFor('spread', [
    new Step({ name: 'Invert', func: { module: STEPS, export: 'invert', args: { ms: 50, log } } })
  ]);
  const events: RunEvent[] = [];
  const result = await run(plan, {
    executor: { kind: 'queue', redis: redis.url, queue },
    onEvent: e => events.push(e)
  });

  expect(result.wells.map(w => [w.well, w.status, w.error?.message])).toEqual(
    plan.wells.map(w => [w.well, 'ok', undefined])
  );
  // One call per well (its 2 sites form one stack), each well once.
  const calls = lines(log)
    .map(([well]) => well)
    .sort();
  expect(calls).toEqual(plan.wells.map(w => w.well).sort());
  // 2 sites per well, written whole (no temporaries left), under the step's folder.
  const files = outputFiles(output).filter(f => !f.startsWith('wells'));
  expect(files.filter(f => f.includes('.partial-'))).toEqual([]);
  expect(files.sort()).toEqual(
    plan.wells.flatMap(w => [1, 2].map(s => `${w.well}_s00${s}_w1_z001_t001.tif`))
  );
  for (const w of result.wells) expect(w.outputs).toHaveLength(2);
  // Progress by worker: three workers, 24 wells done between them, each well finished once.
  const tallies = Object.values(result.queue!.workers);
  expect(tallies).toHaveLength(3);
  expect(tallies.reduce((n, t) => n + t.wellsDone, 0)).toBe(24);
  const finished = events.filter(e => e.type === 'well-finished');
  expect(finished).toHaveLength(24);
  expect(new Set(finished.map(e => e.type === 'well-finished' && e.worker)).size).toBe(3);
  expect(result.queue!.retries).toBe(0);
  expect(result.ok).toBe(true);
}, 120_000);

test('a worker killed with SIGKILL mid-well: its well is retried and completes', async () => {
  const queue = queueName('kill');
  const [a, b] = await startWorkers(2, queue, ['--lock-ms', '2000']);
  const log = path.join(tmp, 'kill.log');
  const wells = ['A01', 'A02', 'A03', 'A04'];
  const { plan, output } = await planFor(
    'killed',
    [
      new Step({ name: 'Fast', func: { module: STEPS, export: 'invert', args: { log } } }),
      new Step({ name: 'Slow', func: { module: STEPS, export: 'invert', args: { ms: 1500, log } } })
    ],
    wells
  );
  let killed: { well: string; pid: number } | null = null;
  const result = await run(plan, {
    executor: { kind: 'queue', redis: redis.url, queue, backoffMs: 100 },
    onEvent: e => {
      // The first well to finish its fast step loses its worker during the slow one.
      if (killed || e.type !== 'step-finished' || e.step !== 'Fast' || !e.worker) return;
      const pid = Number(e.worker.split(':').pop());
      killed = { well: e.well, pid };
      process.kill(pid, 'SIGKILL');
    }
  });

  expect(killed).not.toBeNull();
  const { well, pid } = killed!;
  expect([a.pid, b.pid]).toContain(pid);
  expect(result.wells.map(w => w.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
  expect(result.queue!.retries).toBeGreaterThanOrEqual(1);
  // The killed well ran its fast step twice (once per attempt) and its slow step once, on
  // the surviving worker; every other well ran each step once.
  const runs = lines(log).filter(([w]) => w === well);
  expect(runs.filter(([, p, s]) => s === 'Slow' && Number(p) === pid)).toEqual([]);
  expect(runs.filter(([, , s]) => s === 'Slow')).toHaveLength(1);
  for (const other of wells.filter(w => w !== well))
    expect(lines(log).filter(([w]) => w === other)).toHaveLength(2);
  expect(Object.keys(result.queue!.workers)).not.toContain(`${os.hostname()}:${pid}`);
  const files = outputFiles(output).filter(f => !f.startsWith('wells'));
  expect(files.filter(f => f.includes('.partial-'))).toEqual([]);
  // The last step's outputs are the main outputs, in output_dir: 4 wells × 2 sites, once each.
  expect(files.sort()).toEqual(
    wells.flatMap(w => [1, 2].map(s => `${w}_s00${s}_w1_z001_t001.tif`))
  );
}, 120_000);

test('a well that fails its retries is reported with its error; the others go on', async () => {
  const queue = queueName('fail');
  await startWorkers(2, queue);
  const log = path.join(tmp, 'fail.log');
  const wells = ['B01', 'B02', 'B03'];
  const { plan } = await planFor(
    'failing',
    [
      new Step({
        name: 'Segment',
        func: { module: STEPS, export: 'failIn', args: { well: 'B02', log } }
      })
    ],
    wells
  );
  const events: RunEvent[] = [];
  const shown: string[] = [];
  // Through the notebook's live progress: its last output names workers, retries, failures.
  const result = await runWithProgress(plan, {
    executor: { kind: 'queue', redis: redis.url, queue, attempts: 2, backoffMs: 100 },
    onEvent: e => events.push(e),
    display: bundle => shown.push(bundle['text/plain'] as string)
  });
  const last = shown[shown.length - 1];
  expect(last).toMatch(/^failed: wells 3\/3/);
  expect(last).toMatch(/[12] workers? \(.+:\d+ \d done.*\) · 1 retry · 1 failed/);
  const perWorker = [...last.matchAll(/:\d+ (\d) done/g)].map(m => Number(m[1]));
  expect(perWorker.reduce((a, b) => a + b, 0)).toBe(2);
  const b02 = result.wells.find(w => w.well === 'B02')!;
  expect(b02.status).toBe('failed');
  expect(b02.error).toEqual({
    step: 'Segment',
    message: expect.stringMatching(/no nuclei found in B02.*\(after 2 attempts\)/)
  });
  expect(result.wells.filter(w => w.status === 'ok').map(w => w.well)).toEqual(['B01', 'B03']);
  expect(lines(log).filter(([w]) => w === 'B02')).toHaveLength(2);
  expect(events.filter(e => e.type === 'well-retried').map(e => e.well)).toEqual(['B02']);
  expect(result.ok).toBe(false);
}, 120_000);

test('cancel: queued wells are removed, the running one stops before its next step', async () => {
  const queue = queueName('cancel');
  await startWorkers(1, queue);
  const log = path.join(tmp, 'cancel.log');
  const steps = ['S1', 'S2', 'S3'].map(
    name => new Step({ name, func: { module: STEPS, export: 'invert', args: { ms: 400, log } } })
  );
  const { plan } = await planFor('cancelled', steps, ['B05', 'B06', 'B07', 'B08']);
  const controller = new AbortController();
  const result = await run(plan, {
    executor: { kind: 'queue', redis: redis.url, queue, signal: controller.signal },
    onEvent: e => {
      if (e.type === 'step-finished' && e.step === 'S1') controller.abort();
    }
  });
  expect(result.cancelled).toBe(true);
  expect(result.ok).toBe(false);
  const ran = lines(log);
  const running = ran[0][0];
  // The running well finished the step it was in at most, never S3; no other well started.
  expect(ran.every(([w]) => w === running)).toBe(true);
  expect(ran.map(([, , s]) => s)).not.toContain('S3');
  const byWell = Object.fromEntries(result.wells.map(w => [w.well, w.error?.message ?? 'ok']));
  expect(byWell[running]).toMatch(/cancelled/);
  for (const w of ['B05', 'B06', 'B07', 'B08'].filter(x => x !== running))
    expect(byWell[w]).toMatch(/cancelled before it started/);
  // Nothing of the run is left in the queue: no job running, waiting or delayed.
  const q = new Queue(queue, { connection: redisConnection(redis.url) });
  try {
    expect(await q.getJobCounts('active', 'waiting', 'delayed', 'prioritized')).toEqual({
      active: 0,
      waiting: 0,
      delayed: 0,
      prioritized: 0
    });
  } finally {
    await q.close();
  }
}, 120_000);

test('inline functions are refused before anything is queued, naming the step', async () => {
  const plate = await readPlate(plateDir);
  const pipeline = new Pipeline({
    name: 'inline',
    steps: [new Step({ name: 'Blur in the notebook', func: stack => stack })]
  });
  const compiling = compile(
    pipeline,
    plate,
    { output_dir: path.join(tmp, 'inline') },
    {
      executor: { kind: 'queue' }
    }
  );
  await expect(compiling).rejects.toThrow(CompileError);
  await expect(compiling).rejects.toThrow(
    /Step 'Blur in the notebook': an inline function cannot run on queue workers.*move the function into a module/
  );
  // A plan compiled for this process is refused by the queue executor the same way.
  const plan = await compile(pipeline, plate, { output_dir: path.join(tmp, 'inline') });
  await expect(
    run(plan, { executor: { kind: 'queue', redis: redis.url, queue: queueName('inline') } })
  ).rejects.toThrow(/Step 'Blur in the notebook'.*module/);
});

test('a Redis nobody listens on is a clear error within its bound, not a hang', async () => {
  const plate = await readPlate(plateDir);
  const pipeline = new Pipeline({
    name: 'no-redis',
    steps: [new Step({ name: 'Invert', func: { module: STEPS, export: 'invert' } })]
  });
  const plan = await compile(pipeline, plate, { output_dir: path.join(tmp, 'no-redis') });
  const dead = `unix://${path.join(tmp, 'nobody.sock')}`;
  await expect(run(plan, { executor: { kind: 'queue', redis: dead } })).rejects.toThrow(
    /cannot reach Redis at unix:\/\/.*nobody\.sock within 10000 ms.*redis-server/
  );
}, 60_000);
