#!/usr/bin/env node
/**
 * Pipeline wall time with streaming on vs off (issue 3 target: on ≤ 1.03 × off).
 *   npx tsc -b && node scripts/bench-streaming.mjs [--wells 4] [--sites 2] [--channels 2] [--z 2]
 *        [--size 512] [--repeats 3] [--port 20190]
 * Writes a synthetic plate to a temp dir, starts (or reuses) the viewer server on --port before
 * timing, then alternates runs with streaming off and on and prints the median wall and CPU
 * time of each, their ratios and the stream report. No assertion: the numbers are for the benchmark issue.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { compile, createNdArray, Pipeline, readPlate, run, Step } from '../lib/runtime/index.js';
import { ViewerManager } from '../lib/runtime/streaming/index.js';
import { writeSyntheticPlate } from '../lib/runtime/plate/synthetic-plate.js';

const { values } = parseArgs({
  options: {
    wells: { type: 'string', default: '4' },
    sites: { type: 'string', default: '2' },
    channels: { type: 'string', default: '2' },
    z: { type: 'string', default: '2' },
    size: { type: 'string', default: '512' },
    repeats: { type: 'string', default: '3' },
    port: { type: 'string', default: '20190' }
  }
});
const n = k => {
  const v = Number(values[k]);
  if (!Number.isInteger(v) || v < 1)
    throw new Error(`--${k} must be a positive integer, got ${values[k]}`);
  return v;
};
const port = n('port');
const repeats = n('repeats');

/** A real per-pixel computation, so the run has work for streaming to overlap with. */
function enhance(stack) {
  const src = stack.data;
  const out = new Uint16Array(src.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(65535, src[i] * 2 + 10);
  return createNdArray(out, stack.shape, 'uint16');
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-bench-streaming-'));
try {
  const plateDir = path.join(work, 'plate');
  const synthetic = await writeSyntheticPlate(plateDir, {
    wells: n('wells'),
    sites: n('sites'),
    channels: n('channels'),
    zPlanes: n('z'),
    width: n('size'),
    height: n('size')
  });
  const plate = await readPlate(plateDir);
  const viewer = new ViewerManager({ port });
  const pong = await viewer.start();

  const planFor = async (streaming, i) =>
    compile(
      new Pipeline({
        name: 'bench',
        steps: [
          new Step({ name: 'Enhance', func: enhance, streaming: { enabled: streaming, port } })
        ]
      }),
      plate,
      { output_dir: path.join(work, `out-${streaming ? 'on' : 'off'}-${i}`) }
    );
  const times = { off: [], on: [] };
  // CPU time of this process (all its threads): less sensitive than wall time to other load.
  const cpuMs = { off: [], on: [] };
  let lastReport = null;
  for (let i = 0; i < repeats; i++) {
    for (const streaming of [false, true]) {
      const plan = await planFor(streaming, i);
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const result = await run(plan);
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      cpuMs[streaming ? 'on' : 'off'].push((cpu.user + cpu.system) / 1000);
      if (!result.ok)
        throw new Error(
          `run failed: ${JSON.stringify(result.wells.filter(w => w.status !== 'ok'))}`
        );
      times[streaming ? 'on' : 'off'].push(ms);
      if (streaming) lastReport = result.stream.total;
      fs.rmSync(plan.settings.values.output_dir, { recursive: true, force: true });
    }
  }
  const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const off = median(times.off);
  const on = median(times.on);
  console.log(
    JSON.stringify(
      {
        plate: {
          images: synthetic.files.length,
          wells: synthetic.wells.length,
          size: `${synthetic.width}x${synthetic.height}`,
          dtype: synthetic.dtype
        },
        server: { port, pid: pong.pid },
        repeats,
        off_ms: times.off.map(Math.round),
        on_ms: times.on.map(Math.round),
        median_off_ms: Math.round(off),
        median_on_ms: Math.round(on),
        ratio_on_over_off: Number((on / off).toFixed(3)),
        cpu_off_ms: cpuMs.off.map(Math.round),
        cpu_on_ms: cpuMs.on.map(Math.round),
        cpu_ratio_on_over_off: Number((median(cpuMs.on) / median(cpuMs.off)).toFixed(3)),
        last_stream_report: lastReport
      },
      null,
      2
    )
  );
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
