#!/usr/bin/env node
// `npm run bench:io`: the disk backend's TIFFs against Python's tifffile, and the zarr backend's
// plates (NGFF 0.4 / zarr v2, NGFF 0.5 / zarr v3) against zarr-python, in one run. Each round
// runs both sides, in alternating order (ours first in even rounds), on fresh files; a figure is
// ms per file (TIFF) or per plane (zarr), and the ratio ours / theirs of the same round.
// The table gives, over the rounds, the median of each and the min–max of the ratio, with the
// machine and its load average (this machine is shared: read ratios, not absolute times).
//   npm run bench:io [-- --rounds 5] [-- --short]     (or BENCH_IO_SHORT=1)
// --json FILE: each ratio ours/theirs ("tiff 2048 uint16 write") for the summary of `npm run bench`.
// --short: tiny sizes, seconds; checks only that every figure is produced (scripts/test.sh).
// Needs the built package (npx tsc -b) and .venv with tifffile and zarr (scripts/setup.sh).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiskBackend } from '../lib/runtime/storage/disk-backend.js';
import { ZarrBackend } from '../lib/runtime/storage/zarr-backend.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
const args = process.argv.slice(2);
const SHORT = args.includes('--short') || process.env.BENCH_IO_SHORT === '1';
const ri = args.indexOf('--rounds');
const ROUNDS = Math.max(3, ri >= 0 ? Number(args[ri + 1]) : 3);

const SIZES = SHORT ? [32, 64] : [256, 512, 2048];
const DTYPES = ['uint8', 'uint16', 'float32'];
const BYTES = { uint8: 1, uint16: 2, float32: 4 };
/** Enough files for a steady figure, at most ~32 MiB per case and side. */
const filesFor = (size, dtype) =>
  SHORT ? 3 : Math.max(3, Math.min(40, Math.floor((32 << 20) / (size * size * BYTES[dtype]))));
const TIFF = SIZES.flatMap(size =>
  DTYPES.map(dtype => ({ size, dtype, files: filesFor(size, dtype) }))
);
const ZARR = SHORT
  ? { size: 32, wells: 1, sites: 1, channels: 2, z: 2 }
  : { size: 512, wells: 4, sites: 2, channels: 3, z: 3 };

const Ctor = { uint8: Uint8Array, uint16: Uint16Array, float32: Float32Array };
function plane(size, dtype, seed) {
  const data = new Ctor[dtype](size * size);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761 + seed) % 60000;
  return { data, shape: [size, size], dtype };
}

async function oursTiff(dir, { size, dtype, files }) {
  const disk = new DiskBackend();
  const array = plane(size, dtype, 1);
  const names = Array.from({ length: files }, (_, i) =>
    path.join(dir, `ours_${size}_${dtype}_${i}.tif`)
  );
  let t = performance.now();
  for (const name of names) await disk.save(array, name);
  const write = (performance.now() - t) / files;
  t = performance.now();
  for (const name of names) await disk.load(name);
  return { write, read: (performance.now() - t) / files };
}

async function oursZarr(dir, spec, ngff) {
  const zb = new ZarrBackend({ ngff });
  const array = plane(spec.size, 'uint16', 2);
  const out = path.join(dir, `ours_ngff_${ngff}`);
  const names = [];
  for (let w = 1; w <= spec.wells; w++)
    for (let s = 1; s <= spec.sites; s++)
      for (let c = 1; c <= spec.channels; c++)
        for (let z = 1; z <= spec.z; z++)
          names.push(path.join(out, `A${String(w).padStart(2, '0')}_s${s}_w${c}_z${z}_t1.tif`));
  let t = performance.now();
  for (const name of names) await zb.save(array, name);
  const write = (performance.now() - t) / names.length;
  t = performance.now();
  for (const name of names) await zb.load(name);
  return { write, read: (performance.now() - t) / names.length };
}

async function ours(dir) {
  const tiff = [];
  for (const c of TIFF) tiff.push(await oursTiff(dir, c));
  return {
    tiff,
    zarr_v2: await oursZarr(dir, ZARR, '0.4'),
    zarr_v3: await oursZarr(dir, ZARR, '0.5')
  };
}

function theirs(dir) {
  const config = JSON.stringify({ dir, tiff: TIFF, zarr: ZARR });
  const out = execFileSync(PYTHON, [path.join(ROOT, 'scripts', 'bench-io.py'), config], {
    encoding: 'utf8'
  });
  return JSON.parse(out);
}

// ---- rounds ----------------------------------------------------------------------------------
const loadBefore = os.loadavg();
const rounds = [];
let versions = {};
for (let r = 0; r < ROUNDS; r++) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-io-'));
  try {
    let mine, py;
    if (r % 2 === 0) {
      mine = await ours(path.join(dir, 'js'));
      py = theirs(path.join(dir, 'py'));
    } else {
      py = theirs(path.join(dir, 'py'));
      mine = await ours(path.join(dir, 'js'));
    }
    versions = py.versions;
    rounds.push({ mine, py });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const loadAfter = os.loadavg();

// ---- table -----------------------------------------------------------------------------------
const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f = x => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const missing = [];
const figures = {};
/** "ours | theirs | ratio median (min–max)" of one figure over the rounds. */
function cells(label, pick) {
  const a = rounds.map(r => pick(r.mine));
  const b = rounds.map(r => pick(r.py));
  const ratio = a.map((x, i) => x / b[i]);
  if (![...a, ...b, ...ratio].every(x => Number.isFinite(x) && x > 0)) missing.push(label);
  figures[label] = { median: median(ratio), min: Math.min(...ratio), max: Math.max(...ratio) };
  return `${f(median(a))} | ${f(median(b))} | **${f(median(ratio))}** (${f(Math.min(...ratio))}–${f(Math.max(...ratio))})`;
}

const cpu =
  readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? os.cpus()[0]?.model;
const lines = [
  `bench:io${SHORT ? ' --short' : ''}, ${new Date().toISOString().slice(0, 16)}Z, ${ROUNDS} rounds (alternating order)`,
  `machine: ${os.cpus().length} cores, ${cpu}; node ${process.version}; python ${versions.python}, ` +
    `tifffile ${versions.tifffile}, zarr-python ${versions.zarr}, numpy ${versions.numpy}`,
  `load average (1, 5, 15 min): before ${loadBefore.map(x => x.toFixed(2)).join(', ')}; ` +
    `after ${loadAfter.map(x => x.toFixed(2)).join(', ')}`,
  '',
  '| TIFF | files | write ms/file: ours | tifffile | ours/tifffile | read ms/file: ours | tifffile | ours/tifffile |',
  '|---|---|---|---|---|---|---|---|',
  ...TIFF.map(
    (c, i) =>
      `| ${c.size}² ${c.dtype} | ${c.files} | ${cells(`tiff ${c.size} ${c.dtype} write`, s => s.tiff[i].write)} | ` +
      `${cells(`tiff ${c.size} ${c.dtype} read`, s => s.tiff[i].read)} |`
  ),
  '',
  `| zarr plate (${ZARR.wells} wells × ${ZARR.sites} sites × ${ZARR.channels} ch × ${ZARR.z} z, ${ZARR.size}² uint16) | write ms/plane: ours | zarr-python | ours/zarr-python | read ms/plane: ours | zarr-python | ours/zarr-python |`,
  '|---|---|---|---|---|---|---|',
  ...[
    ['NGFF 0.4 / zarr v2', 'zarr_v2'],
    ['NGFF 0.5 / zarr v3', 'zarr_v3']
  ].map(
    ([label, key]) =>
      `| ${label} | ${cells(`${key} write`, s => s[key].write)} | ${cells(`${key} read`, s => s[key].read)} |`
  )
];
console.log(lines.join('\n'));
const ji = args.indexOf('--json');
if (ji >= 0) writeFileSync(args[ji + 1], JSON.stringify(figures, null, 2) + '\n');
if (missing.length > 0) {
  console.error(`bench:io: figures missing or not positive: ${missing.join(', ')}`);
  process.exit(1);
}
