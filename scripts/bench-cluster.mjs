#!/usr/bin/env node
// `npm run bench:cluster` (also a suite of `npm run bench`): the queue executor (BullMQ on a
// private redis-server) with 1, 2, 4 and 8 `pipeline-viewer worker` processes, on a step bound
// by waiting (100 ms sleep per well) and on a CPU-bound one (100 ms of arithmetic per well),
// against the in-process executor of the same run (one well at a time: the baseline). Also the
// per-well overhead of the queue: a 0 ms step over 1 worker against in-process. Rounds
// alternate between configurations; medians, min–max and the load average are printed.
//   node scripts/bench-cluster.mjs [--short] [--rounds N]
// Needs lib/ (npx tsc -b) and redis-server.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLine, median, range, table } from './bench-stats.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { compile, Pipeline, readPlate, run, Step, writeSyntheticPlate } = await import(
  path.join(repo, 'lib/runtime/index.js')
);
const args = process.argv.slice(2);
const short = args.includes('--short');
const rounds = Number(args[args.indexOf('--rounds') + 1]) || (short ? 1 : 3);
const WELLS = short ? 8 : 48;
const WORKERS = short ? [1, 2] : [1, 2, 4, 8];
const STEP_MS = short ? 20 : 100;
const STEPS = path.join(repo, 'tests/cluster/fixtures/steps.mjs');
const BIN = path.join(repo, 'bin/pipeline-viewer.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'plv-bench-cluster-'));

function exited(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise(resolve => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => (clearTimeout(t), resolve(true)));
  });
}

async function stop(child) {
  child.kill('SIGTERM');
  if (!(await exited(child, 10_000))) {
    child.kill('SIGKILL');
    await exited(child, 5_000);
  }
}

/** Waits (bounded) until `child` wrote `text` to stderr. */
function ready(child, text, ms, what) {
  return new Promise((resolve, reject) => {
    let err = '';
    const t = setTimeout(() => reject(new Error(`${what} not ready in ${ms} ms: ${err}`)), ms);
    child.stderr.on('data', d => {
      err += d;
      if (err.includes(text)) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once(
      'exit',
      code => (clearTimeout(t), reject(new Error(`${what} exited ${code}: ${err}`)))
    );
  });
}

async function startRedis() {
  const socket = path.join(tmp, 'redis.sock');
  const child = spawn(
    'redis-server',
    [
      '--port',
      '0',
      '--unixsocket',
      socket,
      '--unixsocketperm',
      '700',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      tmp
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  );
  await new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server not ready: ${out}`));
    }, 10_000);
    child.stdout.on('data', d => {
      out += d;
      if (/ready to accept connections/i.test(out)) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  return { child, url: `unix://${socket}` };
}

async function startWorkers(n, url, queue) {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const child = spawn(process.execPath, [BIN, 'worker', '--redis', url, '--queue', queue], {
        stdio: ['ignore', 'ignore', 'pipe']
      });
      await ready(child, ' on unix://', 60_000, 'worker');
      return child;
    })
  );
}

async function planOf(kind, ms) {
  const plate = await readPlate(path.join(tmp, 'plate'));
  const pipeline = new Pipeline({
    name: `bench-${kind}`,
    steps: [new Step({ name: 'Work', func: { module: STEPS, export: kind, args: { ms } } })]
  });
  return compile(pipeline, plate, {
    output_dir: path.join(tmp, `out-${kind}`),
    well_concurrency: 1,
    num_workers: 1
  });
}

/** Wells per second of one run. */
async function timed(plan, options) {
  const t0 = performance.now();
  const result = await run(plan, options);
  const s = (performance.now() - t0) / 1000;
  if (!result.ok)
    throw new Error(`run failed: ${JSON.stringify(result.wells.find(w => w.status !== 'ok'))}`);
  return plan.wells.length / s;
}

await writeSyntheticPlate(path.join(tmp, 'plate'), {
  wells: WELLS,
  sites: 1,
  channels: 1,
  zPlanes: 1,
  width: 32,
  height: 32
});
const redis = await startRedis();
const loadBefore = loadLine();
const rates = {}; // `${kind} ${config}` → wells/s per round
const note = (key, v) => (rates[key] ??= []).push(v);
try {
  for (let round = 0; round < rounds; round++) {
    for (const kind of ['invert', 'burn']) {
      const plan = await planOf(kind, STEP_MS);
      note(`${kind} in-process`, await timed(plan, {}));
      for (const n of round % 2 ? [...WORKERS].reverse() : WORKERS) {
        const queue = `bench-${round}-${kind}-${n}`;
        const workers = await startWorkers(n, redis.url, queue);
        try {
          note(
            `${kind} ${n}`,
            await timed(plan, { executor: { kind: 'queue', redis: redis.url, queue } })
          );
        } finally {
          await Promise.all(workers.map(stop));
        }
      }
    }
    // Per-well overhead: a step that does nothing, one well at a time either way.
    const idle = await planOf('invert', 0);
    const [worker] = await startWorkers(1, redis.url, `bench-${round}-idle`);
    try {
      note('idle in-process', await timed(idle, {}));
      note(
        'idle queue',
        await timed(idle, {
          executor: { kind: 'queue', redis: redis.url, queue: `bench-${round}-idle` }
        })
      );
    } finally {
      await stop(worker);
    }
  }
} finally {
  await stop(redis.child);
  rmSync(tmp, { recursive: true, force: true });
}

const rows = [];
for (const kind of ['invert', 'burn']) {
  const base = median(rates[`${kind} in-process`]);
  const label = kind === 'invert' ? `waiting ${STEP_MS} ms` : `CPU ${STEP_MS} ms`;
  rows.push([
    label,
    'in-process, 1 well at a time',
    median(rates[`${kind} in-process`]).toFixed(2),
    range(rates[`${kind} in-process`]),
    '1.00'
  ]);
  for (const n of WORKERS) {
    const r = rates[`${kind} ${n}`];
    rows.push([
      label,
      `queue, ${n} worker${n > 1 ? 's' : ''}`,
      median(r).toFixed(2),
      range(r),
      (median(r) / base).toFixed(2)
    ]);
  }
}
const perWell = r => 1000 / median(r);
const overhead = perWell(rates['idle queue']) - perWell(rates['idle in-process']);
console.log(
  `cluster: ${WELLS} wells of 32×32, ${rounds} round(s); ${loadBefore}; at the end ${loadLine()}`
);
console.log(table(['step', 'executor', 'wells/s (median)', 'min–max', '× in-process'], rows));
console.log(
  `per-well overhead of the queue (0 ms step, 1 worker vs in-process): ${overhead.toFixed(1)} ms ` +
    `(${perWell(rates['idle queue']).toFixed(1)} vs ${perWell(rates['idle in-process']).toFixed(1)} ms per well; ` +
    `wells/s ${range(rates['idle queue'])} vs ${range(rates['idle in-process'])})`
);
process.exit(0);
