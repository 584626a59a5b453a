#!/usr/bin/env node
// P1 of `npm run bench` (issue 14): ingest throughput of each pixel transport of our producer
// into the REAL viewer server (lib/, build with `npx tsc -b`), against the OpenHCS-style
// Python -> Python baseline (scripts/bench-ingest-baseline.py: numpy -> shared_memory + JSON
// over pyzmq; the consumer copies out and unlinks), in the same run, rounds alternating, at
// 512², 2048² and 4096² uint16. Also the primitives that bound any transport (memcpy,
// rewriting and reading pages of a tmpfs file already faulted in), so a missed target names
// its limit with a figure of the same run.
//   node scripts/bench-ingest.mjs [--short] [--rounds 3] [--sizes 512,2048] [--port 24360] [--report file.md]
//     [--json figures.json]
//     [--paths ring,segment] [--server-profile dir]
// --server-profile: the server runs with --cpu-prof into dir (its per-image work, for docs/benchmarks.md).
// --short: one tiny size (256², 8 MiB per round), checks that everything runs and prints its figures (CI).
// Each round moves about 256 MiB per path; planes cycle over 16 stack
// positions so the server replaces them and its memory stays bounded.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { controlRequest, dataIpcEndpoint, ping } from '../lib/protocol/node/index.js';
import { StreamBackend } from '../lib/runtime/streaming/stream-backend.js';
import { median, range, table, loadLine, stat, writeFigures } from './bench-stats.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const short = args.includes('--short');
const ROUNDS = Number(opt('rounds', 3));
const PORT = Number(opt('port', 24360));
const REPORT = opt('report', null);
const SIZES = opt('sizes', null)?.split(',').map(Number) ?? (short ? [256] : [512, 2048, 4096]);
const ROUND_BYTES = (short ? 8 : 256) * 2 ** 20;
/** Our paths: [label, transport, data endpoint (default TCP)]. */
const ALL_PATHS = [
  ['ring', 'ring'],
  ['ring (2 in flight)', 'ring', 'tcp', 2],
  ['segment', 'segment'],
  ['frames', 'frames'],
  ['frames over IPC', 'frames', 'ipc']
];
const wanted = opt('paths', null)?.split(',');
const PATHS = wanted ? ALL_PATHS.filter(([label]) => wanted.includes(label)) : ALL_PATHS;
if (PATHS.length === 0)
  throw new Error(`--paths: none of ${wanted} is one of ${ALL_PATHS.map(p => p[0]).join(', ')}`);
const PROFILE = opt('server-profile', null);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const python = path.join(root, '.venv/bin/python');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-bench-ingest-'));

const server = spawn(
  process.execPath,
  [
    ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : []),
    path.join(root, 'lib/viewer-server/main.js'),
    ...['--port', String(PORT), '--memory-budget', '4G']
  ],
  { env: { ...process.env, PIPELINE_VIEWER_HOME: home }, stdio: ['ignore', 'ignore', 'inherit'] }
);
const serverExit = new Promise(r => server.on('exit', r));
let pong = null;
for (const deadline = Date.now() + 30_000; !pong;) {
  if (Date.now() > deadline) throw new Error(`viewer server on ${PORT} not ready in 30 s`);
  pong = await ping(PORT, { timeoutMs: 300 });
  if (!pong) await new Promise(r => setTimeout(r, 100));
}

function batch(size, count, arrays) {
  return {
    step: 'Bench',
    well: 'A01',
    display: { component_modes: { source: 'slice', well: 'stack', z_index: 'stack' } },
    items: Array.from({ length: count }, (_, i) => ({
      path: `/bench/${size}/${i}`,
      array: arrays[i % arrays.length],
      metadata: { z_index: (i % 16) + 1 }
    }))
  };
}

/** Seconds for one round of `count` planes of `size`² through our producer and `transport`. */
async function ours([, transport, via, inFlight], size, count, arrays) {
  const backend = new StreamBackend({
    port: PORT,
    ...(via === 'ipc' ? { endpoint: dataIpcEndpoint(PORT, { PIPELINE_VIEWER_HOME: home }) } : {}),
    gate: Promise.resolve({ port: PORT, transports: pong.transports }),
    transport,
    ...(inFlight ? { inFlight } : {}),
    // Throughput, not liveness, is measured here (frozen-server.test checks that): at load 30
    // a connect or a ping between two 64 MiB messages took more than the run's 2 s bounds.
    sendTimeoutMs: 30_000,
    replyTimeoutMs: 120_000,
    livenessIntervalMs: 0,
    maxImages: 100_000,
    maxBytes: 4 * 2 ** 30
  });
  const t0 = performance.now();
  backend.enqueue(batch(size, count, arrays));
  const report = await backend.flush(300_000);
  const seconds = (performance.now() - t0) / 1000;
  await backend.close();
  if (report.dropped > 0 || report.sent !== count)
    throw new Error(
      `${transport} ${size}²: sent ${report.sent}, dropped ${report.dropped}: ${report.errors.join('; ')}`
    );
  return seconds;
}

function baseline(size, count) {
  const run = spawnSync(
    python,
    [
      path.join(root, 'scripts/bench-ingest-baseline.py'),
      String(PORT + 5),
      String(size),
      String(count),
      '1'
    ],
    { encoding: 'utf8', timeout: 300_000 }
  );
  if (run.status !== 0) throw new Error(`baseline ${size}² failed: ${run.stderr || run.error}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()).seconds;
}

/** Seconds of the primitives for `bytes` moved in chunks of one plane (in this process). */
function primitives(planeBytes, count) {
  const src = Buffer.alloc(planeBytes, 7);
  const dst = Buffer.allocUnsafeSlow(planeBytes);
  const file = path.join('/dev/shm', `plv-bench-prim-${process.pid}`);
  fs.writeFileSync(file, src);
  const fd = fs.openSync(file, 'r+');
  const time = f => {
    const t0 = performance.now();
    for (let i = 0; i < count; i++) f();
    return (performance.now() - t0) / 1000;
  };
  try {
    return {
      memcpy: time(() => src.copy(dst)),
      'tmpfs rewrite (faulted in)': time(() => fs.writeSync(fd, src, 0, planeBytes, 0)),
      'tmpfs read back': time(() => fs.readSync(fd, dst, 0, planeBytes, 0))
    };
  } finally {
    fs.closeSync(fd);
    fs.unlinkSync(file);
  }
}

const results = []; // { size, path, seconds[], ratio[] }
const record = (size, name, round, seconds, base) => {
  let r = results.find(x => x.size === size && x.path === name);
  if (!r) results.push((r = { size, path: name, seconds: [], ratio: [] }));
  r.seconds[round] = seconds;
  if (base !== undefined) r.ratio[round] = base / seconds; // > 1: faster than the baseline
};

try {
  for (const size of SIZES) {
    const planeBytes = size * size * 2;
    const count = Math.max(4, Math.round(ROUND_BYTES / planeBytes));
    const arrays = Array.from({ length: 16 }, (_, k) => ({
      data: new Uint16Array(size * size).fill(k + 1),
      shape: [size, size],
      dtype: 'uint16'
    }));
    for (const p of PATHS) await ours(p, size, Math.min(count, 16), arrays); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate: the baseline first in even rounds, last in odd ones.
      const order = round % 2 === 0 ? ['baseline', ...PATHS] : [...PATHS, 'baseline'];
      const seconds = {};
      for (const p of order)
        if (p === 'baseline') seconds.baseline = baseline(size, count);
        else seconds[p[0]] = await ours(p, size, count, arrays);
      record(
        size,
        'OpenHCS-style Python → Python (baseline)',
        round,
        seconds.baseline,
        seconds.baseline
      );
      for (const [label] of PATHS)
        record(size, `ours, ${label}`, round, seconds[label], seconds.baseline);
      for (const [name, s] of Object.entries(primitives(planeBytes, count)))
        record(size, `limit: ${name}`, round, s, seconds.baseline);
    }
    for (const r of results.filter(x => x.size === size)) r.bytes = count * planeBytes;
  }
} finally {
  await controlRequest(
    PORT,
    { type: 'shutdown' },
    { timeoutMs: 5000, env: { PIPELINE_VIEWER_HOME: home } }
  ).catch(() => server.kill('SIGKILL'));
  await serverExit;
  fs.rmSync(home, { recursive: true, force: true });
}

const gbps = r => r.seconds.map(s => r.bytes / s / 1e9);
const rows = results.map(r => [
  `${r.size}²`,
  r.path,
  `${median(gbps(r)).toFixed(2)} (${range(gbps(r), 2)})`,
  `${median(r.ratio).toFixed(2)}× (${range(r.ratio, 2)})`
]);
const text = [
  `### P1, ingest: each transport against the OpenHCS-style baseline`,
  '',
  `${ROUNDS} alternating rounds of ${(ROUND_BYTES / 2 ** 20).toFixed(0)} MiB per path and size, uint16 planes; GB/s and ratio to the baseline of the same round, medians (min–max). ${loadLine()}`,
  '',
  table(['size', 'path', 'GB/s', '× baseline'], rows)
].join('\n');
console.log(text);
if (REPORT) fs.writeFileSync(REPORT, text + '\n');
// the summary of `npm run bench`: each path's ratio and GB/s per size ("2048² ours, ring")
writeFigures(
  opt('json', null),
  Object.fromEntries(
    results.flatMap(r => [
      [`${r.size}² ${r.path}`, stat(r.ratio)],
      [`${r.size}² ${r.path} GB/s`, stat(gbps(r))]
    ])
  )
);
