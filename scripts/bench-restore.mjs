#!/usr/bin/env node
// How soon a restarted viewer server serves the layers of its layer store (issue 17: within
// 2 s of start for a 12 GiB store). Writes a store as the server writes it (384 wells × 4
// channels of 2048² uint16 = 12 GiB, 1536 planes; scaled down when the disk lacks room, and
// said so), then in alternating rounds:
//   baseline  list the store as any program would: readdir, read each plane's zarr.json,
//             stat each chunk (what a restore cannot do without);
//   empty     spawn lib/viewer-server/main.js on an empty store; time until it answers ping
//             (what starting a server costs at all, on this machine now);
//   server    spawn it on the store; time until api/state lists the restored layer with
//             every plane, and until one restored plane was served whole (read from disk);
//             and the restore itself as the server logs it (`store: restored … in T ms`).
// Prints medians, min–max, ratio to the baseline and the load average.
//   node scripts/bench-restore.mjs [--short] [--rounds N] [--dir DIR] [--port P] [--lib DIR]
//     [--report FILE]
// Needs lib/ (npx tsc -b). Data port 24590 unless --port (+1000, +3000). --dir keeps the store
// there and reuses it when it is whole (a rerun skips writing 12 GiB). The page cache is not dropped (shared
// machine): the chunks were just written, so their reads are warm; the metadata is small.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLine, median, range, table } from './bench-stats.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
// --lib DIR: the server of another build (a copy of lib/ made before a change), to compare.
const lib = path.resolve(
  args.includes('--lib') ? args[args.indexOf('--lib') + 1] : path.join(repo, 'lib')
);
const MAIN = path.join(lib, 'viewer-server/main.js');
const { ping, liveServerRecord } = await import(path.join(lib, 'protocol/node/index.js'));
const { BROWSER_TOKEN_HEADER, httpPort, planeUrl } = await import(
  path.join(lib, 'protocol/index.js')
);

const argAfter = name => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : undefined);
const short = args.includes('--short');
const rounds = Number(argAfter('--rounds') ?? 3);
const PORT = Number(argAfter('--port') ?? 24590);
const GIB = 1024 ** 3;
const side = short ? 256 : 2048;
const planeBytes = side * side * 2;
const CHANNELS = 4;
const ROWS = 'ABCDEFGHIJKLMNOP';
const wells = Array.from(
  { length: 384 },
  (_, i) => `${ROWS[i % 16]}${String((i >> 4) + 1).padStart(2, '0')}`
);

const work = argAfter('--dir') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'plv-bench-restore-'));
const home = path.join(work, 'home');
const storeDir = path.join(work, 'store');
fs.mkdirSync(home, { recursive: true, mode: 0o700 });

/** Free bytes on the file system of `dir` (df). */
function freeBytes(dir) {
  const out = execFileSync('df', ['-B1', '--output=avail', dir], { encoding: 'utf8' });
  return Number(out.trim().split('\n').pop());
}

// 12 GiB, or what fits with a margin of 4 GiB (and half the free space at most).
const wanted = short ? 64 : wells.length * CHANNELS;
const room = Math.floor(Math.min(freeBytes(work) - 4 * GIB, freeBytes(work) / 2) / planeBytes);
const planes = Math.max(8, Math.min(wanted, room));
const note =
  planes < wanted
    ? `scaled down to ${planes} planes (${((planes * planeBytes) / GIB).toFixed(1)} GiB): ${(freeBytes(work) / GIB).toFixed(1)} GiB free on the disk`
    : '';
if (note) console.log(`[restore] ${note}`);

/** The store as the server writes it (pixels/spill-store.ts, ingest/saved-plane.ts). */
function writeStore() {
  const zarr = path.join(storeDir, 'planes.zarr');
  fs.mkdirSync(zarr, { recursive: true, mode: 0o700 });
  fs.writeFileSync(
    path.join(storeDir, 'store.json'),
    JSON.stringify({ format: 'jupyterlab-pipeline-viewer layer store', version: 1 })
  );
  fs.writeFileSync(
    path.join(zarr, 'zarr.json'),
    JSON.stringify({ zarr_format: 3, node_type: 'group', attributes: {} })
  );
  const pixels = Buffer.alloc(planeBytes);
  for (let i = 0; i < pixels.length; i += 2) pixels.writeUInt16LE((i * 7) & 0xffff, i);
  const display = {
    component_modes: { source: 'slice', well: 'stack', channel: 'stack' },
    colormap: 'gray',
    variable_size_handling: 'pad_to_max'
  };
  for (let id = 1; id <= planes; id++) {
    const well = wells[Math.floor((id - 1) / CHANNELS) % wells.length];
    const channel = ((id - 1) % CHANNELS) + 1;
    const dir = path.join(zarr, `p${id}`);
    fs.mkdirSync(path.join(dir, 'c', '0'), { recursive: true });
    pixels.writeUInt16LE(id, 0); // each plane its own first pixel
    fs.writeFileSync(path.join(dir, 'c', '0', '0'), pixels);
    const saved = {
      key: 'source_Plate',
      revision: id,
      image: {
        metadata: { source: 'Plate', well, channel },
        dtype: 'uint16',
        range: [0, 65535],
        path: `/plate/${well}_c${channel}.tif`,
        image_id: `${well}-${channel}`
      },
      display,
      names: {}
    };
    fs.writeFileSync(
      path.join(dir, 'zarr.json'),
      JSON.stringify({
        zarr_format: 3,
        node_type: 'array',
        shape: [side, side],
        data_type: 'uint16',
        chunk_grid: { name: 'regular', configuration: { chunk_shape: [side, side] } },
        chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
        fill_value: 0,
        codecs: [{ name: 'bytes', configuration: { endian: 'little' } }],
        attributes: { pipeline_viewer: saved }
      })
    );
  }
}

/** Baseline: what listing the store costs any program (ms). */
function listStore() {
  const t0 = performance.now();
  const zarr = path.join(storeDir, 'planes.zarr');
  let bytes = 0;
  for (const name of fs.readdirSync(zarr)) {
    if (!name.startsWith('p')) continue;
    JSON.parse(fs.readFileSync(path.join(zarr, name, 'zarr.json'), 'utf8'));
    bytes += fs.statSync(path.join(zarr, name, 'c', '0', '0')).size;
  }
  if (bytes !== planes * planeBytes)
    throw new Error(`listed ${bytes} bytes, wrote ${planes * planeBytes}`);
  return performance.now() - t0;
}

const sleep = ms => new Promise(r => setTimeout(r, ms));

const env = { ...process.env, PIPELINE_VIEWER_HOME: home, MALLOC_MMAP_THRESHOLD_: '131072' };
const logFile = path.join(home, 'server.log');

/** Baseline: ms from spawn until a server on an empty store answers ping. */
async function emptyStart() {
  const emptyStore = path.join(work, 'empty');
  fs.rmSync(emptyStore, { recursive: true, force: true });
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [MAIN, '--port', String(PORT), '--store', emptyStore, '--log', logFile],
    { env, stdio: 'ignore' }
  );
  const exited = new Promise(r => child.on('exit', r));
  try {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (await ping(PORT, { timeoutMs: 300 })) return performance.now() - t0;
      await sleep(20);
    }
    throw new Error('the server on an empty store did not answer within 60 s');
  } finally {
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(30_000)]);
  }
}

/** The restore time the server logged last (ms). */
function loggedRestore() {
  const all = [...fs.readFileSync(logFile, 'utf8').matchAll(/store: restored .* in (\d+) ms/g)];
  return Number(all.at(-1)?.[1]);
}

/** Server: ms from spawn until the restored layer is listed whole, and until a plane is served. */
async function restoreOnce() {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [MAIN, '--port', String(PORT), '--store', storeDir, '--log', logFile],
    { env, stdio: 'ignore' }
  );
  const exited = new Promise(r => child.on('exit', r));
  try {
    const deadline = Date.now() + 60_000;
    let listed = NaN;
    let token;
    while (Date.now() < deadline) {
      if (await ping(PORT, { timeoutMs: 300 })) {
        token ??= liveServerRecord(PORT, env)?.browser_token;
        const res = await fetch(`http://127.0.0.1:${httpPort(PORT)}/api/state`, {
          headers: { [BROWSER_TOKEN_HEADER]: token },
          signal: AbortSignal.timeout(10_000)
        });
        const state = await res.json();
        if (state.layers?.[0]?.image_count === planes) {
          listed = performance.now() - t0;
          break;
        }
      }
      await sleep(20);
    }
    if (!Number.isFinite(listed))
      throw new Error('the server did not list the restored layer within 60 s');
    const well = wells[Math.floor((planes - 1) / CHANNELS) % wells.length];
    const channel = ((planes - 1) % CHANNELS) + 1;
    const res = await fetch(
      planeUrl(`http://127.0.0.1:${httpPort(PORT)}/`, 'source_Plate', { well, channel }, side),
      {
        headers: { [BROWSER_TOKEN_HEADER]: token },
        signal: AbortSignal.timeout(20_000)
      }
    );
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200 || body.length !== planeBytes || body.readUInt16LE(0) !== planes)
      throw new Error(
        `plane ${well} ch ${channel}: status ${res.status}, ${body.length} bytes, first pixel ${body.readUInt16LE(0)}`
      );
    return { listed, served: performance.now() - t0 };
  } finally {
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(30_000)]);
  }
}

/** A store a previous run left in --dir, whole: every plane's metadata and chunk present. */
function storeWhole() {
  const zarr = path.join(storeDir, 'planes.zarr');
  if (!fs.existsSync(path.join(storeDir, 'store.json')) || !fs.existsSync(zarr)) return false;
  const names = fs.readdirSync(zarr).filter(n => /^p\d+$/.test(n));
  if (names.length !== planes) return false;
  try {
    listStore();
    return true;
  } catch {
    return false;
  }
}

const loadBefore = loadLine();
const tw = performance.now();
if (argAfter('--dir') !== undefined && storeWhole())
  console.log(`[restore] reusing the store of ${planes} planes in ${storeDir}`);
else {
  fs.rmSync(storeDir, { recursive: true, force: true });
  writeStore();
  console.log(
    `[restore] wrote ${planes} planes of ${side}² uint16 (${((planes * planeBytes) / GIB).toFixed(2)} GiB) in ${((performance.now() - tw) / 1000).toFixed(1)} s`
  );
}
const base = [];
const empty = [];
const listed = [];
const served = [];
const logged = [];
try {
  for (let r = 0; r < rounds; r++) {
    base.push(listStore());
    empty.push(await emptyStart());
    const run = await restoreOnce();
    listed.push(run.listed);
    served.push(run.served);
    logged.push(loggedRestore());
    console.log(
      `[restore] round ${r + 1}: list ${base.at(-1).toFixed(0)} ms, empty server ready ${empty.at(-1).toFixed(0)} ms, restored layer listed ${run.listed.toFixed(0)} ms, plane served ${run.served.toFixed(0)} ms after spawn; restore ${logged.at(-1)} ms`
    );
  }
} finally {
  if (argAfter('--dir') === undefined) fs.rmSync(work, { recursive: true, force: true });
}
const gib = (planes * planeBytes) / GIB;
const row = (what, v, against = base) => [
  what,
  median(v).toFixed(0),
  range(v, 0),
  (median(v) / median(against)).toFixed(1),
  (median(v) / gib).toFixed(0)
];
const markdown = [
  `Restore of a layer store of ${planes} planes of ${side}² uint16 (${gib.toFixed(2)} GiB) in one layer (wells × 4 channels), ${rounds} alternating rounds${note ? `; ${note}` : ''}.`,
  '',
  table(
    ['what', 'median ms', 'min–max ms', '× its baseline', 'ms per GiB'],
    [
      row('baseline A: list the store (readdir, read each zarr.json, stat each chunk)', base),
      row('restore as the server logs it (open, lock, list, replay), vs A', logged),
      row('baseline B: spawn → a server on an empty store answers ping', empty, empty),
      row('spawn → api/state lists the restored layer whole, vs B', listed, empty),
      row(
        `spawn → one restored plane served whole (${(planeBytes / 2 ** 20).toFixed(1)} MiB from disk), vs B`,
        served,
        empty
      )
    ]
  ),
  '',
  `Before: ${loadBefore}`,
  `After: ${loadLine()}`
].join('\n');
console.log(markdown);
const report = argAfter('--report');
if (report) fs.writeFileSync(report, markdown + '\n');
