#!/usr/bin/env node
/**
 * Step functions against scikit-image, same input, same run (issue 12): Gaussian (σ = 2),
 * Otsu, labeling and region measurement on a 2048² uint16 plane, in alternating rounds
 * (ours, then scikit-image, then ours…), medians and min–max of each; then a 96-well analysis
 * of the demo kind (segmentNuclei over 2 channels at 512² on the worker pool) end to end.
 * `--short`: 3 rounds and a 24-well plate. Needs `npx tsc -b` (lib/) and the venv (.venv).
 *   node scripts/bench-functions.mjs [--short] [--json FILE]
 * `--json FILE`: per-round ratios ours / scikit-image for the summary of `npm run bench`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { stat, writeFigures } from './bench-stats.mjs';

const short = process.argv.includes('--short');
const rounds = short ? 3 : 5;
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const f = await import(path.join(root, 'lib/runtime/functions/index.js'));
const { components } = await import(path.join(root, 'lib/runtime/functions/labels.js'));
const { openCv } = await import(path.join(root, 'lib/runtime/functions/opencv.js'));
const rt = await import(path.join(root, 'lib/runtime/index.js'));
const { writeSyntheticPlate } = await import(path.join(root, 'lib/runtime/plate/synthetic-plate.js'));

// A 2048² nuclei-like plane: 1,600 gaussian blobs on a noisy background.
const N = 2048;
const plane = new Uint16Array(N * N);
let s = 1;
const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
for (let i = 0; i < plane.length; i++) plane[i] = 500 + rand() * 300;
for (let k = 0; k < 1600; k++) {
  const cy = rand() * N, cx = rand() * N, r = 5 + rand() * 5;
  for (let y = Math.max(0, Math.floor(cy - 2 * r)); y < Math.min(N, cy + 2 * r); y++)
    for (let x = Math.max(0, Math.floor(cx - 2 * r)); x < Math.min(N, cx + 2 * r); x++)
      plane[y * N + x] = Math.min(65535, plane[y * N + x] + 8000 * Math.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * r * r * 0.5)));
}
const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-functions-'));
writeFileSync(path.join(dir, 'plane.bin'), new Uint8Array(plane.buffer));
const array = { data: plane, shape: [N, N], dtype: 'uint16' };

const PY = `
import sys, time, json, numpy as np
from skimage import filters, measure
p = np.fromfile(sys.argv[1], dtype=np.uint16).reshape(${N}, ${N})
def t(f):
    s = time.perf_counter(); r = f(); return (time.perf_counter() - s) * 1000, r
# Warm-up on a corner: skimage imports its submodules (scipy.ndimage…) lazily, on first use.
w = p[:64, :64]; filters.gaussian(w, sigma=2); measure.regionprops_table(measure.label(w > filters.threshold_otsu(w)), w, properties=('label', 'intensity_mean'))
out = {}
out['gaussian'], _ = t(lambda: filters.gaussian(p, sigma=2, preserve_range=True))
out['otsu'], th = t(lambda: filters.threshold_otsu(p))
m = p > th
out['label'], lab = t(lambda: measure.label(m))
out['measure'], _ = t(lambda: measure.regionprops_table(lab, p, properties=('label', 'area', 'centroid', 'intensity_mean', 'intensity_min', 'intensity_max')))
print(json.dumps(out))
`;

async function ours() {
  const cv = await openCv();
  const out = {};
  let t = performance.now();
  await f.gaussian(array, { args: { sigma: 2 } });
  out.gaussian = performance.now() - t;
  t = performance.now();
  const th = f.thresholdValue(plane, 'otsu');
  out.otsu = performance.now() - t;
  const mask = new Uint8Array(plane.length);
  for (let i = 0; i < plane.length; i++) mask[i] = plane[i] > th ? 1 : 0;
  t = performance.now();
  const labels = components(cv, mask, { height: N, width: N }, 8);
  out.label = performance.now() - t;
  t = performance.now();
  f.regionMeasurements(labels, N, [{ name: 'ch1', plane }]);
  out.measure = performance.now() - t;
  return out;
}

const skimage = () =>
  JSON.parse(execFileSync(path.join(root, '.venv/bin/python'), ['-c', PY, path.join(dir, 'plane.bin')], { encoding: 'utf8' }));

const median = a => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const fmt = v => (v < 10 ? v.toFixed(1) : Math.round(v).toString());
const load = () => os.loadavg().map(v => v.toFixed(1)).join(' ');
await ours(); // warm-up: OpenCV's wasm module compiles once
skimage();
const runs = { ours: [], skimage: [] };
const loads = [load()];
for (let r = 0; r < rounds; r++) {
  // Alternate who goes first, so neither always meets the same load.
  if (r % 2 === 0) { runs.ours.push(await ours()); runs.skimage.push(skimage()); }
  else { runs.skimage.push(skimage()); runs.ours.push(await ours()); }
}
loads.push(load());
console.log(`## Step functions vs scikit-image, 2048² uint16, ${rounds} alternating rounds (load average ${loads.join(' → ')})\n`);
console.log('| function | ours median (min–max) ms | scikit-image median (min–max) ms | ratio of medians |');
console.log('|---|---|---|---|');
const figures = {};
for (const k of ['gaussian', 'otsu', 'label', 'measure']) {
  const a = runs.ours.map(x => x[k]);
  const b = runs.skimage.map(x => x[k]);
  figures[k] = stat(a.map((x, i) => x / b[i]));
  console.log(`| ${k} | ${fmt(median(a))} (${fmt(Math.min(...a))}–${fmt(Math.max(...a))}) | ${fmt(median(b))} (${fmt(Math.min(...b))}–${fmt(Math.max(...b))}) | ${(median(a) / median(b)).toFixed(2)} |`);
}

// The demo kind of analysis, end to end: plate written, compiled, run on the worker pool.
const wells = short ? 24 : 96;
const plate = await writeSyntheticPlate(path.join(dir, 'plate'), { wells, sites: 1, channels: ['DAPI', 'GFP'], zPlanes: 1, width: 512, seed: 1 });
const pipeline = new rt.Pipeline({ name: 'bench', steps: [new rt.Step({ name: 'Nuclei', variableComponents: ['channel'], func: f.fn('segmentNuclei', { backgroundRadius: 15, sigma: 2, minDistance: 7, minArea: 30 }) })] });
const t0 = performance.now();
const plan = await rt.compile(pipeline, await rt.readPlate(plate.dir), { output_dir: path.join(dir, 'out') });
const result = await rt.run(plan);
const seconds = (performance.now() - t0) / 1000;
const nuclei = result.tables.find(t => t.kind === 'wells').rows.reduce((n, r) => n + r[1], 0);
console.log(`\n${wells}-well analysis at 512² (2 channels; background, Otsu, watershed, measurements; ${plan.settings.values.num_workers} worker threads): ${seconds.toFixed(1)} s end to end, ${result.ok ? 'ok' : 'FAILED'}, ${nuclei} nuclei; load average ${load()}`);
rmSync(dir, { recursive: true, force: true });
const json = process.argv.indexOf('--json');
if (json >= 0) writeFigures(process.argv[json + 1], { ...figures, 'analysis s': seconds });
