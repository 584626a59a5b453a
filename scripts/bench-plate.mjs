#!/usr/bin/env node
// Listing and parsing a large plate, reading no pixels: 384 wells × 9 sites × 4 channels × 3 z
// = 41,472 images, as an ImageXpress folder, as a Harmony export (Index.idx.xml + files) and as
// an OME-Zarr plate (NGFF 0.4 / zarr v2, 2048² planes, 4 pyramid levels: metadata only, no
// chunks). Image files are empty: readPlate never opens an image. Each round times, in
// alternating order,
//   readPlate(dir)             (lib/runtime/plate/read-plate.js)
//   a bare listing             fs.readdir(dir) (ImageXpress, Harmony); for OME-Zarr, fs.readFile
//                              of every group's and full-resolution array's metadata file, 16 at
//                              a time: no reader can be faster than this
//   Python                     os.scandir + regex (ImageXpress) / os.scandir + ElementTree
//                              (Harmony) / zarr-python opening each well, field and array
//                              (OME-Zarr), timed in its own process, imports excluded
// and prints per format the median and min–max of each, and readPlate's ratio to each baseline
// of the same round, with the machine and load average.
//   npm run build (npx tsc -b) first;  node scripts/bench-plate.mjs [--rounds 5] [--short]
// --short: 96 wells × 2 sites × 2 channels × 1 z, to check that the script works.
// Also times, per round, the Harmony index alone (16 MB, read into a string once): the fast
// scanner (harmony-scan.js) against the full parser (saxes, harmony-index.js), alternating.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, closeSync, openSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPlate } from '../lib/runtime/plate/read-plate.js';
import { parseHarmonyIndexFully } from '../lib/runtime/plate/harmony-index.js';
import { scanHarmonyIndex } from '../lib/runtime/plate/harmony-scan.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
const args = process.argv.slice(2);
const SHORT = args.includes('--short');
const ri = args.indexOf('--rounds');
const ROUNDS = Math.max(3, ri >= 0 ? Number(args[ri + 1]) : 5);
const PLATE = SHORT
  ? { rows: 8, cols: 12, sites: 2, channels: 2, z: 1 }
  : { rows: 16, cols: 24, sites: 9, channels: 4, z: 3 };
const COUNT = PLATE.rows * PLATE.cols * PLATE.sites * PLATE.channels * PLATE.z;

function* images() {
  for (let r = 1; r <= PLATE.rows; r++)
    for (let c = 1; c <= PLATE.cols; c++)
      for (let s = 1; s <= PLATE.sites; s++)
        for (let ch = 1; ch <= PLATE.channels; ch++)
          for (let z = 1; z <= PLATE.z; z++) yield { r, c, s, ch, z };
}
const well = (r, c) => `${String.fromCharCode(64 + r)}${String(c).padStart(2, '0')}`;
const touch = file => closeSync(openSync(file, 'w'));
const json = (file, value) => writeFileSync(file, JSON.stringify(value));

/** An NGFF 0.4 plate's metadata as ome-zarr-py writes it; returns the files a reader reads. */
function makeOmeZarr(dir) {
  const files = [];
  const group = (at, attrs) => {
    mkdirSync(at, { recursive: true });
    json(path.join(at, '.zgroup'), { zarr_format: 2 });
    files.push(path.join(at, '.zgroup'));
    if (attrs) {
      json(path.join(at, '.zattrs'), attrs);
      files.push(path.join(at, '.zattrs'));
    }
  };
  const rows = Array.from({ length: PLATE.rows }, (_, r) => String.fromCharCode(65 + r));
  const cols = Array.from({ length: PLATE.cols }, (_, c) => String(c + 1));
  const wells = rows.flatMap((r, ri) =>
    cols.map((c, ci) => ({ path: `${r}/${c}`, rowIndex: ri, columnIndex: ci }))
  );
  group(dir, {
    plate: {
      version: '0.4',
      name: 'bench',
      rows: rows.map(name => ({ name })),
      columns: cols.map(name => ({ name })),
      wells,
      field_count: PLATE.sites,
      acquisitions: [{ id: 0 }]
    }
  });
  const levels = 4;
  for (const r of rows) group(path.join(dir, r));
  for (const w of wells) {
    const at = path.join(dir, w.path);
    const images = Array.from({ length: PLATE.sites }, (_, f) => ({
      path: String(f),
      acquisition: 0
    }));
    group(at, { well: { version: '0.4', images } });
    for (let f = 0; f < PLATE.sites; f++) {
      const field = path.join(at, String(f));
      group(field, {
        multiscales: [
          {
            version: '0.4',
            axes: [
              { name: 't', type: 'time' },
              { name: 'c', type: 'channel' },
              { name: 'z', type: 'space', unit: 'micrometer' },
              { name: 'y', type: 'space', unit: 'micrometer' },
              { name: 'x', type: 'space', unit: 'micrometer' }
            ],
            datasets: Array.from({ length: levels }, (_, l) => ({
              path: String(l),
              coordinateTransformations: [
                { type: 'scale', scale: [1, 1, 2, 0.65 * 2 ** l, 0.65 * 2 ** l] }
              ]
            }))
          }
        ],
        omero: {
          channels: Array.from({ length: PLATE.channels }, (_, c) => ({ label: `ch${c + 1}` }))
        }
      });
      for (let l = 0; l < levels; l++) {
        const level = path.join(field, String(l));
        const side = 2048 >> l;
        mkdirSync(level);
        json(path.join(level, '.zarray'), {
          zarr_format: 2,
          shape: [1, PLATE.channels, PLATE.z, side, side],
          chunks: [1, 1, 1, side, side],
          dtype: '<u2',
          compressor: null,
          fill_value: 0,
          order: 'C',
          filters: null,
          dimension_separator: '/'
        });
        if (l === 0) files.push(path.join(level, '.zarray'));
      }
    }
  }
  return files;
}

function makeImageXpress(dir) {
  mkdirSync(dir);
  for (const i of images())
    touch(path.join(dir, `${well(i.r, i.c)}_s${pad(i.s)}_w${i.ch}_z${pad(i.z)}_t001.tif`));
  writeFileSync(
    path.join(dir, 'plate.HTD'),
    Array.from({ length: PLATE.channels }, (_, k) => `"WaveName${k + 1}", "ch${k + 1}"`).join(
      '\r\n'
    )
  );
}

function makeHarmony(dir) {
  mkdirSync(dir);
  const entries = [];
  for (const i of images()) {
    const url = `r${p2(i.r)}c${p2(i.c)}f${p2(i.s)}p${p2(i.z)}-ch${i.ch}sk1fk1fl1.tiff`;
    touch(path.join(dir, url));
    entries.push(
      `<Image Version="1"><id>${p2(i.r)}${p2(i.c)}K1F${i.s}P${i.z}R${i.ch}</id><State>Ok</State>` +
        `<URL>${url}</URL><Row>${i.r}</Row><Col>${i.c}</Col><FieldID>${i.s}</FieldID>` +
        `<PlaneID>${i.z}</PlaneID><TimepointID>0</TimepointID><FlimID>1</FlimID>` +
        `<ChannelID>${i.ch}</ChannelID><ChannelName>ch${i.ch}</ChannelName>` +
        '<ImageResolutionX Unit="m">6.5E-07</ImageResolutionX><ImageResolutionY Unit="m">6.5E-07</ImageResolutionY>' +
        '<ImageSizeX>2160</ImageSizeX><ImageSizeY>2160</ImageSizeY></Image>'
    );
  }
  writeFileSync(
    path.join(dir, 'Index.idx.xml'),
    '<?xml version="1.0" encoding="utf-8"?>\n<EvaluationInputData xmlns="http://www.perkinelmer.com/PEHH/HarmonyV5" Version="2">' +
      `<Plates><Plate><PlateID>bench</PlateID><PlateRows>${PLATE.rows}</PlateRows><PlateColumns>${PLATE.cols}</PlateColumns></Plate></Plates>` +
      `<Images>${entries.join('\n')}</Images></EvaluationInputData>`
  );
}
const pad = n => String(n).padStart(3, '0');
const p2 = n => String(n).padStart(2, '0');

const PY = {
  imagexpress: `
import os, re, sys, time
name = re.compile(r'^(?P<well>[A-Z]{1,2}\\d{1,3})(?:_s(?P<s>\\d+))?(?:_w(?P<w>\\d+))?(?:_z(?P<z>\\d+))?(?:_t(?P<t>\\d+))?\\.tiff?$', re.I)
t = time.perf_counter()
found = [m.groupdict() for e in os.scandir(sys.argv[1]) if (m := name.match(e.name))]
print((time.perf_counter() - t) * 1000, len(found))
`,
  'ome-zarr': `
import sys, time, zarr
t = time.perf_counter()
root = zarr.open_group(sys.argv[1], mode='r')
n = 0
for w in root.attrs['plate']['wells']:
    well = root[w['path']]
    for image in well.attrs['well']['images']:
        field = well[image['path']]
        array = field[field.attrs['multiscales'][0]['datasets'][0]['path']]
        n += array.shape[0] * array.shape[1] * array.shape[2]
print((time.perf_counter() - t) * 1000, n)
`,
  harmony: `
import os, sys, time, xml.etree.ElementTree as ET
t = time.perf_counter()
ns = '{http://www.perkinelmer.com/PEHH/HarmonyV5}'
root = ET.parse(os.path.join(sys.argv[1], 'Index.idx.xml')).getroot()
found = [(i.findtext(ns + 'URL'), i.findtext(ns + 'Row'), i.findtext(ns + 'Col'), i.findtext(ns + 'FieldID'),
          i.findtext(ns + 'PlaneID'), i.findtext(ns + 'ChannelID')) for i in root.iter(ns + 'Image')]
files = set(e.name for e in os.scandir(sys.argv[1]))
missing = [f for f in found if f[0] not in files]
print((time.perf_counter() - t) * 1000, len(found))
`
};

async function timeOurs(dir) {
  const t = performance.now();
  const plate = await readPlate(dir);
  const ms = performance.now() - t;
  if (plate.images.length !== COUNT)
    throw new Error(`readPlate found ${plate.images.length} of ${COUNT}`);
  return ms;
}
async function timeReaddir(dir) {
  const t = performance.now();
  const names = await readdir(dir);
  const ms = performance.now() - t;
  if (names.length < COUNT) throw new Error(`readdir found ${names.length}`);
  return ms;
}
/** Every metadata file an OME-Zarr reader must read, 16 at a time. */
async function timeMetadataReads(files) {
  const t = performance.now();
  let next = 0;
  let bytes = 0;
  const worker = async () => {
    while (next < files.length) bytes += (await readFile(files[next++])).length;
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  const ms = performance.now() - t;
  if (bytes === 0) throw new Error('no metadata read');
  return ms;
}
function timePython(format, dir) {
  const [ms, n] = execFileSync(PYTHON, ['-c', PY[format], dir], { encoding: 'utf8' })
    .trim()
    .split(' ');
  if (Number(n) !== COUNT) throw new Error(`python found ${n} of ${COUNT}`);
  return Number(ms);
}

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = xs => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
const fmt = xs =>
  `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;

async function main() {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-plate-'));
  const load0 = os.loadavg();
  try {
    const dirs = {
      imagexpress: path.join(tmp, 'imagexpress'),
      harmony: path.join(tmp, 'harmony'),
      'ome-zarr': path.join(tmp, 'plate.zarr')
    };
    makeImageXpress(dirs.imagexpress);
    makeHarmony(dirs.harmony);
    const zarrFiles = makeOmeZarr(dirs['ome-zarr']);
    const rows = [];
    for (const format of ['imagexpress', 'harmony', 'ome-zarr']) {
      const m = { ours: [], readdir: [], python: [] };
      for (let round = 0; round < ROUNDS; round++) {
        const order =
          round % 2 === 0 ? ['ours', 'readdir', 'python'] : ['python', 'readdir', 'ours'];
        for (const side of order) {
          const dir = dirs[format];
          m[side].push(
            side === 'ours'
              ? await timeOurs(dir)
              : side === 'readdir'
                ? format === 'ome-zarr'
                  ? await timeMetadataReads(zarrFiles)
                  : await timeReaddir(dir)
                : timePython(format, dir)
          );
        }
      }
      const ratio = other => m.ours.map((o, i) => o / m[other][i]);
      rows.push(
        `| ${format} | ${COUNT} | ${fmt(m.ours)} | ${fmt(m.readdir)} | ${fmt(m.python)} | ` +
          `**${median(ratio('readdir')).toFixed(1)}** (${range(ratio('readdir'))}) | **${median(ratio('python')).toFixed(2)}** (${range(ratio('python'))}) |`
      );
    }
    const xml = await readFile(path.join(dirs.harmony, 'Index.idx.xml'), 'utf8');
    const parse = { scan: [], full: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of round % 2 === 0 ? ['scan', 'full'] : ['full', 'scan']) {
        const t = performance.now();
        const index = side === 'scan' ? scanHarmonyIndex(xml) : parseHarmonyIndexFully(xml);
        parse[side].push(performance.now() - t);
        if (index?.images.length !== COUNT) throw new Error(`${side} read ${index?.images.length}`);
      }
    }
    const parseRatio = parse.scan.map((v, i) => v / parse.full[i]);
    const load1 = os.loadavg();
    const py = execFileSync(PYTHON, ['-c', 'import sys; print(sys.version.split()[0])'], {
      encoding: 'utf8'
    }).trim();
    console.log(
      `bench-plate, ${new Date().toISOString().slice(0, 16)}Z, ${ROUNDS} rounds (alternating order)`
    );
    console.log(
      `machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model}; node ${process.version}; python ${py}`
    );
    console.log(
      `load average (1, 5, 15 min): before ${load0.map(l => l.toFixed(2)).join(', ')}; after ${load1.map(l => l.toFixed(2)).join(', ')}`
    );
    console.log('');
    console.log(
      '| plate | images | readPlate ms | bare listing ms | Python ms | readPlate / bare | readPlate / Python |'
    );
    console.log('|---|---|---|---|---|---|---|');
    for (const row of rows) console.log(row);
    console.log('');
    console.log(
      `Harmony index alone (${(xml.length / 1e6).toFixed(1)} MB): fast scanner ${fmt(parse.scan)} ms, ` +
        `full parser (saxes) ${fmt(parse.full)} ms, scanner / parser **${median(parseRatio).toFixed(2)}** (${range(parseRatio)})`
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
