#!/usr/bin/env node
/**
 * P2 of issue 14, pipeline overhead: the same pipeline with streaming off (the baseline) and
 * on, and on with the viewer server down (SIGKILLed when the first step finishes) or frozen
 * (SIGSTOPped before the run starts). Target: on ≤ 1.03 × off in CPU and wall time; down and
 * frozen: the pipeline waits ≤ 1 s in total.
 *
 * Two workloads: "demo", the pipeline of notebooks/demo.ipynb (background, enhance, max
 * projection over z, the projection streamed) on its plate (8 wells × 2 sites × 3 channels ×
 * 3 z, 256² uint16), in all four conditions; "stream-heavy", one cheap step streaming every
 * 512² plane (4 wells × 2 sites × 2 channels × 2 z), off and on: the transport's own cost.
 *
 *   npx tsc -b && node scripts/bench-overhead.mjs [--short] [--rounds 3] [--port 21380]
 *     [--report FILE] [--json FILE]
 *
 * Each round runs every condition once, in a rotated order (alternating rounds). Per run: wall
 * time, this process's CPU time (all threads) and the streaming wait: the time the run spent
 * inside the stream sink's calls (open, enqueue, flush, close), measured around the real
 * viewer sink. Ratios are per round against that round's "off" run; medians and min–max over
 * rounds. Prints a markdown table (for docs/benchmarks.md, "Pipeline overhead (P2)"), also to
 * `--report FILE`; `--json FILE`: the headline figures for the summary of `npm run bench`.
 * `--short`: a tiny plate (CI smoke: checks that every figure is produced, not its value).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
    port: { type: 'string', default: '21380' },
    report: { type: 'string' },
    json: { type: 'string' }
  }
});
const rounds = Number(values.rounds);
const port = Number(values.port);
if (!Number.isInteger(rounds) || rounds < 1)
  throw new Error(`--rounds must be ≥ 1, got ${values.rounds}`);
if (!Number.isInteger(port) || port < 1024 || port > 61535)
  throw new Error(`--port must be a data port in 1024..61535, got ${values.port}`);

// A private viewer home: the bench never touches the user's servers, records or logs.
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-bench-overhead-'));
process.env.PIPELINE_VIEWER_HOME = path.join(work, 'home');

const { compile, createNdArray, Pipeline, readPlate, run, Step } =
  await import('../lib/runtime/index.js');
const { viewerManagerFor, viewerStreamSink } = await import('../lib/runtime/streaming/index.js');
const { writeSyntheticPlate } = await import('../lib/runtime/plate/synthetic-plate.js');

const WORKLOADS = {
  demo: {
    plate: values.short
      ? { wells: 2, sites: 1, channels: 2, zPlanes: 2, width: 64, height: 64 }
      : { wells: 8, sites: 2, channels: 3, zPlanes: 3, width: 256, height: 256 },
    conditions: ['off', 'on', 'down', 'frozen'],
    steps: streaming => [
      new Step({ name: 'Background', func: subtractBackground }),
      new Step({ name: 'Enhance', func: enhance, materialization: { enabled: true } }),
      new Step({
        name: 'MaxProjection',
        func: maxProject,
        variableComponents: ['z_index'],
        streaming: { enabled: streaming, port }
      })
    ]
  },
  'stream-heavy': {
    plate: values.short
      ? { wells: 2, sites: 1, channels: 1, zPlanes: 1, width: 64, height: 64 }
      : { wells: 4, sites: 2, channels: 2, zPlanes: 2, width: 512, height: 512 },
    conditions: ['off', 'on'],
    steps: streaming => [
      new Step({ name: 'Enhance', func: enhance, streaming: { enabled: streaming, port } })
    ]
  }
};

// The demo notebook's step functions (notebooks/demo.ipynb).
function subtractBackground(stack) {
  const [n, h, w] = stack.shape;
  const plane = h * w;
  const src = stack.data;
  const out = new Uint16Array(src.length);
  for (let p = 0; p < n; p++) {
    let min = 65535;
    for (let i = p * plane; i < (p + 1) * plane; i++) if (src[i] < min) min = src[i];
    for (let i = p * plane; i < (p + 1) * plane; i++) out[i] = src[i] - min;
  }
  return createNdArray(out, stack.shape, 'uint16');
}

function enhance(stack) {
  const src = stack.data;
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = Math.min(65535, src[i] * 2);
  return createNdArray(out, stack.shape, 'uint16');
}

function maxProject(stack) {
  const [n, h, w] = stack.shape;
  const plane = h * w;
  const src = stack.data;
  const out = new Uint16Array(plane);
  for (let p = 0; p < n; p++)
    for (let i = 0; i < plane; i++) out[i] = Math.max(out[i], src[p * plane + i]);
  return createNdArray(out, [1, h, w], 'uint16');
}

/** The real viewer sink, with the time the run spends inside its calls added to `wait`. */
function timedSinkFor(wait, onOpen) {
  const timed = async f => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      wait.ms += performance.now() - t0;
    }
  };
  return async v => {
    const sink = await timed(() =>
      viewerStreamSink({ port: v.port, host: v.host, persistent: v.persistent })
    );
    onOpen?.();
    return {
      enqueue: batch => {
        const t0 = performance.now();
        const accepted = sink.enqueue(batch);
        wait.ms += performance.now() - t0;
        return accepted;
      },
      flush: timeoutMs => timed(() => sink.flush(timeoutMs)),
      close: () => timed(() => sink.close())
    };
  };
}

function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

const median = xs => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const range = xs => [Math.min(...xs), Math.max(...xs)];

const viewer = viewerManagerFor({ port });
const load = [os.loadavg()[0]];
const report = { rounds, cores: os.cpus().length, workloads: {} };
const markdown = [];

/** Runs one workload in every condition, `rounds` rotated rounds; returns its figures. */
async function bench(name, workload) {
  const plateDir = path.join(work, `plate-${name}`);
  const synthetic = await writeSyntheticPlate(plateDir, workload.plate);
  const plate = await readPlate(plateDir);
  const CONDITIONS = workload.conditions;

  const runOnce = async (condition, round) => {
    const streaming = condition !== 'off';
    const plan = await compile(
      new Pipeline({ name: `bench-${name}`, steps: workload.steps(streaming) }),
      plate,
      { output_dir: path.join(work, `out-${name}-${condition}-${round}`) }
    );
    // Untimed set-up: a ready server for on/down/frozen, then stop it for frozen.
    let frozen = null;
    if (streaming) await viewer.start();
    if (condition === 'frozen') {
      frozen = viewer.pid;
      signal(frozen, 'SIGSTOP');
    }
    const wait = { ms: 0 };
    let killed = false;
    const onEvent = e => {
      if (condition === 'down' && e.type === 'step-finished' && !killed) {
        killed = true;
        signal(viewer.pid, 'SIGKILL');
      }
    };
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const result = await run(plan, {
      onEvent,
      ...(streaming ? { streamSinkFor: timedSinkFor(wait) } : {})
    });
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - t0;
    if (frozen !== null) signal(frozen, 'SIGCONT');
    if (!result.ok) throw new Error(`${condition} run failed: ${JSON.stringify(result.wells)}`);
    fs.rmSync(plan.settings.values.output_dir, { recursive: true, force: true });
    if (condition === 'down') await new Promise(r => setTimeout(r, 200)); // let the record go
    return {
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      waitMs: wait.ms,
      stream: result.stream.total
    };
  };

  await runOnce('on', -1); // warm-up: JIT, page cache, server spawn (not counted)
  const runs = Object.fromEntries(CONDITIONS.map(c => [c, []]));
  for (let round = 0; round < rounds; round++) {
    const order = CONDITIONS.map((_, i) => CONDITIONS[(i + round) % CONDITIONS.length]);
    for (const condition of order) runs[condition].push(await runOnce(condition, round));
    load.push(os.loadavg()[0]);
  }
  const figures = {};
  for (const c of CONDITIONS) {
    const rs = runs[c];
    const ratio = key => rs.map((r, i) => r[key] / runs.off[i][key]);
    figures[c] = {
      wall_ms: rs.map(r => Math.round(r.wallMs)),
      cpu_ms: rs.map(r => Math.round(r.cpuMs)),
      wait_ms: rs.map(r => Math.round(r.waitMs)),
      wall_ratio: { median: median(ratio('wallMs')), range: range(ratio('wallMs')) },
      cpu_ratio: { median: median(ratio('cpuMs')), range: range(ratio('cpuMs')) },
      wait: { median: median(rs.map(r => r.waitMs)), max: Math.max(...rs.map(r => r.waitMs)) },
      sent: rs.map(r => r.stream.sent),
      dropped: rs.map(r => r.stream.dropped),
      errors: [...new Set(rs.flatMap(r => r.stream.errors))].slice(0, 4)
    };
  }
  report.workloads[name] = {
    plate: { ...workload.plate, images: synthetic.files.length, dtype: synthetic.dtype },
    figures
  };
  const f2 = x => x.toFixed(3);
  markdown.push(
    `**${name}** (${synthetic.files.length} input images; off = baseline: wall ` +
      `${figures.off.wall_ms.join(', ')} ms, CPU ${figures.off.cpu_ms.join(', ')} ms)`,
    '',
    `| condition | wall ratio median (min–max) | CPU ratio median (min–max) | streaming wait median / max | sent / dropped per run |`,
    `|---|---|---|---|---|`
  );
  for (const c of CONDITIONS) {
    const f = figures[c];
    markdown.push(
      `| ${c} | ${f2(f.wall_ratio.median)} (${f.wall_ratio.range.map(f2).join('–')}) | ` +
        `${f2(f.cpu_ratio.median)} (${f.cpu_ratio.range.map(f2).join('–')}) | ` +
        `${Math.round(f.wait.median)} / ${Math.round(f.wait.max)} ms | ` +
        `${f.sent.join(', ')} / ${f.dropped.join(', ')} |`
    );
  }
  markdown.push('');
}

try {
  for (const [name, workload] of Object.entries(WORKLOADS)) await bench(name, workload);
  report.load_average_1m = { median: median(load), range: range(load) };
  markdown.push(
    `Load average (1 min) median ${report.load_average_1m.median.toFixed(1)} ` +
      `(${report.load_average_1m.range.map(x => x.toFixed(1)).join('–')}), ${report.cores} cores, ` +
      `${rounds} rounds.`
  );
  console.log(markdown.join('\n'));
  if (values.report) fs.writeFileSync(values.report, markdown.join('\n') + '\n');
  // the summary of `npm run bench`: "demo on cpu ratio", "demo frozen wait max ms", …
  const figures = {};
  for (const [name, w] of Object.entries(report.workloads))
    for (const [c, f] of Object.entries(w.figures)) {
      for (const k of ['cpu', 'wall']) {
        const r = f[`${k}_ratio`];
        figures[`${name} ${c} ${k} ratio`] = { median: r.median, min: r.range[0], max: r.range[1] };
      }
      figures[`${name} ${c} wait max ms`] = f.wait.max;
    }
  if (values.json) fs.writeFileSync(values.json, JSON.stringify(figures, null, 2) + '\n');
} finally {
  const pid = viewer.pid;
  if (pid !== null) {
    signal(pid, 'SIGCONT');
    signal(pid, 'SIGTERM');
    // Its store is in `work`: removing that while it still writes failed with ENOTEMPTY.
    for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      await new Promise(r => setTimeout(r, 100));
    }
  }
  fs.rmSync(work, { recursive: true, force: true, maxRetries: 5 });
}
