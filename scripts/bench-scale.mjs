#!/usr/bin/env node
// P5 of issue 14, scale: a 384-well × 4-channel × 2048² uint16 plate (12 GiB) generated on the
// fly (each plane made just before it is queued, never the plate whole) and streamed through
// the runtime's real producer (viewerStreamSink, its default transport, as `run()` uses it)
// into a fresh viewer server at its default settings (2 GiB memory budget, spilling into the
// layer store, which saves every plane). Measured:
//   - the server's RSS from /proc every 100 ms (VmRSS; VmHWM at the end) against 2 GiB, and
//     its idle RSS before the plate (the baseline of the same run); images/s and GB/s;
//   - the accounting: images generated = producer sent + producer dropped, producer sent =
//     server stored (counters.images) + server dropped, and every dropped count 0;
//   - pixels: planes of the first wells (spilled, paged back) and of the last, read whole
//     through api/plane and checked against the pattern they were made with;
//   - the browser: the real widget in Chromium scrubbing across every well (channel i mod 4),
//     the page's JS heap (CDP) and the renderer's RSS against 1 GiB (bench-scale-browser.mjs).
// One round: the bounds are maxima. The producer stays at most 4 wells ahead of what the server
// stored (≤ 128 MiB, half its queue bound; read from the control status, not the sink), as a
// pipeline whose steps take as long as streaming: the queue never refuses, and a drop would be
// the wire's or the server's. It flushes once at the end, as run() does. (A flush every few
// wells aborted messages in flight: at load ~20 the busy server missed the flush's 500 ms ping.)
//   node scripts/bench-scale.mjs [--short] [--wells N] [--channels N] [--size N] [--port P]
//        [--no-browser] [--report FILE] [--json FILE]
// --short: 8 wells × 2 channels × 512² (CI: checks that it runs; bounds are still checked).
// Needs lib/ (npx tsc -b). Data port 29200 (+1000, +3000). Exit 1 when a bound or a count fails.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadLine, table, writeFigures } from './bench-stats.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    wells: { type: 'string' },
    channels: { type: 'string' },
    size: { type: 'string' },
    port: { type: 'string', default: '29200' },
    'no-browser': { type: 'boolean', default: false },
    report: { type: 'string' },
    json: { type: 'string' }
  }
});
const int = (name, fallback) => {
  const v = Number(opt[name] ?? fallback);
  if (!Number.isInteger(v) || v < 1)
    throw new Error(`--${name} must be a positive integer, got ${opt[name]}`);
  return v;
};
const WELLS = int('wells', opt.short ? 8 : 384);
const CHANNELS = int('channels', opt.short ? 2 : 4);
const SIZE = int('size', opt.short ? 512 : 2048);
const PORT = int('port');
if (WELLS > 384 || CHANNELS > 16) throw new Error('at most 384 wells and 16 channels');
const GiB = 2 ** 30;
const MiB = 2 ** 20;
const PLANE_BYTES = SIZE * SIZE * 2;
const AHEAD = 4; // wells the producer may be ahead of the server (≤ 128 MiB, half its queue bound)
const names = Array.from(
  { length: WELLS },
  (_, i) => `${'ABCDEFGHIJKLMNOP'[Math.floor(i / 24)]}${String((i % 24) + 1).padStart(2, '0')}`
);

// A viewer home of its own: the server record, log and layer store of this run only.
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-bench-scale-'));
process.env.PIPELINE_VIEWER_HOME = home;
const { viewerStreamSink, viewerManagerFor } = await import(
  path.join(repo, 'lib/runtime/streaming/index.js')
);
const { controlRequest, liveServerRecord } = await import(
  path.join(repo, 'lib/protocol/node/index.js')
);
const { BROWSER_TOKEN_HEADER, DEFAULT_COMPONENT_MODES, httpPort, planeUrl } = await import(
  path.join(repo, 'lib/protocol/index.js')
);
const sleep = ms => new Promise(r => setTimeout(r, ms));

/** Pixel (x, y) of well `w`, channel `c` (1-based): the plane's code × 8 + a ramp (≤ 49151). */
const pixel = (w, c, x, y) => (w * 16 + c - 1) * 8 + ((x + 3 * y) & 7);

/** One plane, made on the fly: 16 distinct rows built once, then copied down the plane. */
function makePlane(w, c) {
  const data = new Uint16Array(SIZE * SIZE);
  for (let y = 0; y < Math.min(16, SIZE); y++)
    for (let x = 0; x < SIZE; x++) data[y * SIZE + x] = pixel(w, c, x, y);
  for (let y = 16; y < SIZE; y++) data.copyWithin(y * SIZE, (y & 15) * SIZE, ((y & 15) + 1) * SIZE);
  return data;
}

/** VmRSS and VmHWM of `pid` in MiB. */
function memory(pid) {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = key => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(text)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

const manager = viewerManagerFor({ port: PORT, persistent: true });
let pid = null;
const report = { plate: `${WELLS} wells × ${CHANNELS} channels × ${SIZE}² uint16` };
const failures = [];
const check = (ok, what) => ok || failures.push(what);
const loadBefore = loadLine();
let sampler = null;
/** Stops our server and removes this run's home (12 GiB of layer store), also on SIGTERM. */
async function cleanUp() {
  clearInterval(sampler);
  if (pid !== null) {
    await controlRequest(PORT, { type: 'shutdown' }, { timeoutMs: 5000 }).catch(() => undefined);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && fs.existsSync(`/proc/${pid}`)) await sleep(100);
    if (fs.existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL'); // ours: started above
    pid = null;
  }
  fs.rmSync(home, { recursive: true, force: true });
}
process.once('SIGTERM', () => {
  console.error('bench-scale: stopped (SIGTERM); server stopped, temp files removed');
  void cleanUp().finally(() => process.exit(1));
});
try {
  const pong = await manager.start();
  pid = pong.pid;
  if (pong.port !== PORT) throw new Error(`the server took port ${pong.port}, not ${PORT}`);
  await sleep(1000);
  const idleSamples = [];
  for (let i = 0; i < 10; i++, await sleep(100)) idleSamples.push(memory(pid).rss);
  const idleMiB = idleSamples.sort((a, b) => a - b)[5];

  // RSS every 100 ms, by phase (the sampler runs on this event loop between planes).
  const peaks = { ingest: 0, pixels: 0, browser: 0 };
  let phase = 'ingest';
  sampler = setInterval(() => {
    peaks[phase] = Math.max(peaks[phase], memory(pid).rss);
  }, 100);

  const sink = await viewerStreamSink({ port: PORT, persistent: true });
  const display = {
    component_modes: { ...DEFAULT_COMPONENT_MODES },
    colormap: 'gray',
    variable_size_handling: 'pad_to_max'
  };
  /** Waits (≤ 120 s) until the server stored `images`: the pace of a pipeline no faster than the stream. */
  const paceTo = async images => {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const reply = await controlRequest(PORT, { type: 'status' }, { timeoutMs: 10_000 }).catch(
        () => null
      );
      const c = reply?.status?.counters;
      if (c && c.images + c.dropped >= images) return;
      await sleep(50);
    }
    throw new Error(`the server did not store ${images} images within 120 s`);
  };
  const t0 = performance.now();
  let generated = 0;
  for (let w = 0; w < WELLS; w++) {
    const items = [];
    for (let c = 1; c <= CHANNELS; c++) {
      items.push({
        path: `/scale/${names[w]}_s1_w${c}.tif`,
        array: { data: makePlane(w, c), shape: [SIZE, SIZE], dtype: 'uint16' },
        metadata: { well: names[w], site: 1, channel: c, z_index: 1, timepoint: null }
      });
    }
    generated += items.length;
    sink.enqueue({ step: 'Scale', well: names[w], items, display, componentNames: {} });
    await paceTo(generated - AHEAD * CHANNELS);
  }
  const sent = await sink.flush(300_000);
  const seconds = (performance.now() - t0) / 1000;
  await sink.close();

  const status = (await controlRequest(PORT, { type: 'status' }, { timeoutMs: 10_000 })).status;
  const counters = status.counters;
  report.accounting = {
    generated,
    producerSent: sent.sent,
    producerDropped: sent.dropped,
    serverStored: counters.images,
    serverDropped: counters.dropped,
    errors: sent.errors
  };
  check(generated === sent.sent + sent.dropped, 'generated = producer sent + producer dropped');
  check(sent.sent === counters.images + counters.dropped, 'sent = stored + dropped (server)');
  check(sent.dropped === 0 && counters.dropped === 0, 'dropped = 0 at the default settings');
  report.server = {
    idleMiB,
    budgetMiB: status.memory.budget_bytes / MiB,
    spilledPlanes: status.memory.spilled_planes,
    unsavedPlanes: status.store?.unsaved_planes,
    seconds,
    imagesPerS: generated / seconds,
    gbPerS: (generated * PLANE_BYTES) / 1e9 / seconds
  };

  // Pixels: whole planes of the first wells (spilled first) and of the last, via api/plane.
  phase = 'pixels';
  const token = liveServerRecord(PORT)?.browser_token;
  const base = `http://127.0.0.1:${httpPort(PORT)}/`;
  const state = await (
    await fetch(`${base}api/state`, {
      headers: { [BROWSER_TOKEN_HEADER]: token },
      signal: AbortSignal.timeout(20_000)
    })
  ).json();
  const layer = state.layers?.[0]?.key;
  const spots = [0, 1, Math.floor(WELLS / 2), WELLS - 1].map((w, i) => [w, (i % CHANNELS) + 1]);
  let checked = 0;
  for (const [w, c] of spots) {
    const at = { well: names[w], channel: c, site: 1, z_index: 1 };
    const res = await fetch(planeUrl(base, layer, at, SIZE), {
      headers: { [BROWSER_TOKEN_HEADER]: token },
      signal: AbortSignal.timeout(60_000)
    });
    const body = Buffer.from(await res.arrayBuffer());
    const ok =
      res.status === 200 &&
      body.length === PLANE_BYTES &&
      [
        [0, 0],
        [SIZE - 1, 0],
        [7, SIZE - 1],
        [SIZE >> 1, SIZE >> 1]
      ].every(([x, y]) => body.readUInt16LE((y * SIZE + x) * 2) === pixel(w, c, x, y));
    check(ok, `plane ${names[w]} ch ${c}: status ${res.status}, ${body.length} bytes, pixels`);
    if (ok) checked++;
  }
  report.pixels = `${checked} of ${spots.length} planes whole and as generated (wells ${spots.map(([w, c]) => `${names[w]}/ch${c}`).join(', ')})`;

  console.error(
    `bench-scale: ${generated} images in ${seconds.toFixed(0)} s, server RSS peak ${peaks.ingest.toFixed(0)} MiB (idle ${idleMiB.toFixed(0)}), sent ${sent.sent} dropped ${sent.dropped}, stored ${counters.images}; ${opt['no-browser'] ? '' : 'now scrubbing in Chromium'}`
  );
  if (!opt['no-browser']) {
    phase = 'browser';
    const { scrubWells } = await import('./bench-scale-browser.mjs');
    try {
      report.browser = await scrubWells({
        out: path.join(home, 'page'),
        port: PORT,
        token,
        names,
        channels: CHANNELS
      });
      const b = report.browser;
      check(
        b.peak.heapMiB <= 1024,
        `browser JS heap peak ${b.peak.heapMiB.toFixed(0)} MiB ≤ 1 GiB`
      );
    } catch (err) {
      failures.push(`browser: ${err.message.split('\n')[0]}`); // the server's figures still count
    }
  }
  clearInterval(sampler);
  const end = memory(pid);
  report.server.peakMiB = { ...peaks, hwm: end.hwm };
  check(end.hwm <= 2048, `server RSS peak (VmHWM) ${end.hwm.toFixed(0)} MiB ≤ 2 GiB`);
} finally {
  await cleanUp();
}

const f0 = x => (Number.isFinite(x) ? x.toFixed(0) : String(x));
const s = report.server;
const a = report.accounting;
const rows = [
  ['server RSS idle (baseline, before the plate)', `${f0(s.idleMiB)} MiB`, '', ''],
  [
    'server RSS peak while streaming (100 ms samples)',
    `${f0(s.peakMiB.ingest)} MiB`,
    `${(s.peakMiB.ingest / s.idleMiB).toFixed(1)} × idle`,
    `${(s.peakMiB.ingest / 1024).toFixed(2)} of 2 GiB`
  ],
  [
    'server RSS peak while serving planes (api/plane, then the browser)',
    `${f0(Math.max(s.peakMiB.pixels, s.peakMiB.browser))} MiB`,
    '',
    ''
  ],
  [
    'server VmHWM (kernel peak, whole run)',
    `${f0(s.peakMiB.hwm)} MiB`,
    '',
    `${(s.peakMiB.hwm / 1024).toFixed(2)} of 2 GiB`
  ],
  [
    'streamed',
    `${a.generated} images in ${s.seconds.toFixed(1)} s`,
    `${s.imagesPerS.toFixed(1)} images/s, ${s.gbPerS.toFixed(2)} GB/s`,
    `budget ${f0(s.budgetMiB)} MiB, ${s.spilledPlanes} planes spilled at the end`
  ],
  [
    'accounting',
    `generated ${a.generated} = sent ${a.producerSent} + dropped ${a.producerDropped}`,
    `stored ${a.serverStored} + dropped ${a.serverDropped} (server)`,
    a.errors.length ? a.errors.join('; ') : 'no errors'
  ],
  ['pixels', report.pixels, '', '']
];
if (report.browser) {
  const b = report.browser;
  rows.push(
    [
      'browser JS heap + ArrayBuffers (CDP usedSize + backingStorageSize) idle → peak while scrubbing',
      `${f0(b.idle.heapMiB)} → ${f0(b.peak.heapMiB)} MiB`,
      `${(b.peak.heapMiB / 1024).toFixed(2)} of 1 GiB`,
      `${WELLS} wells in ${b.seconds.toFixed(0)} s (${b.wellsPerS.toFixed(1)} wells/s)`
    ],
    [
      'browser renderer RSS idle → peak',
      `${f0(b.idle.rendererMiB)} → ${f0(b.peak.rendererMiB)} MiB`,
      `${(b.peak.rendererMiB / 1024).toFixed(2)} GiB`,
      `end ${f0(b.end.rendererMiB)} MiB`
    ]
  );
}
const markdown = [
  `Scale (P5): ${report.plate} (${((WELLS * CHANNELS * PLANE_BYTES) / GiB).toFixed(2)} GiB), one round, default settings.`,
  '',
  table(['what', 'value', 'ratio', 'bound / note'], rows),
  '',
  failures.length ? `**Not met:** ${failures.join('; ')}.` : 'All bounds and counts met.',
  '',
  `Before: ${loadBefore}`,
  `After: ${loadLine()}`
].join('\n');
console.log(markdown);
if (opt.report) fs.writeFileSync(opt.report, markdown + '\n');
// the summary of `npm run bench` (bounds: maxima of one round, so no medians)
writeFigures(opt.json, {
  'server RSS peak MiB': s.peakMiB?.hwm,
  'browser heap peak MiB': report.browser?.peak.heapMiB,
  accounted:
    a.generated === a.producerSent + a.producerDropped &&
    a.producerSent === a.serverStored + a.serverDropped,
  dropped: a.producerDropped + a.serverDropped
});
process.exit(failures.length ? 1 : 0);
