#!/usr/bin/env node
// How fast a plate on disk opens in the panel (issue 17: a 384-well × 4-channel 2048² OME-Zarr
// plate with pyramid levels shows its first well in ≤ 1 s and its plate grid in ≤ 2 s).
// The plate (scripts/bench-open-plate.py: NGFF 0.4 / zarr v2, levels 0–4, Blosc lz4, noise +
// nuclei-like blobs) is written once into $BENCH_OPEN_CACHE (default /tmp/plv-bench-open) and
// reused while its marker says it is complete. Then, in alternating rounds:
//   ours      a fresh viewer server (own home, nothing restored), the real widget on a
//             standalone page in Debian Chromium (bench-viewer-harness.mjs), connected;
//             (a) `open_plate` sent → the first well's plane painted on the canvas;
//             (b) again on a fresh server: `open_plate` sent → the grid toggle clicked by the
//             page as soon as it is enabled → every well's thumbnail painted;
//             times taken on the page's clock (epoch ms), so driver latency is not counted;
//   baseline  a fresh Python process reading with zarr-python what napari-ome-zarr reads for
//             the same views: (a) plate, well and field metadata, then the same plane at the
//             same level the widget asked; (b) each well's metadata and its plane at the
//             grid's level; timed inside Python (imports and interpreter start not counted).
// Prints medians, min–max, ratios to the baseline and the load average.
//   node scripts/bench-open.mjs [--short] [--rounds N] [--report FILE]
// Needs lib/ (npx tsc -b) and .venv. Data port $PORT, default 29050 (+1000, +3000). The page
// cache is not dropped (shared machine): the plate's files are read warm, by both sides.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundle, page, ROOT, sleep, startFront, startServer } from './bench-viewer-harness.mjs';
import { loadLine, median, range, table } from './bench-stats.mjs';
import { launchChromium } from './bench-chromium.mjs';

const { liveServerRecord, controlRequest } = await import(
  path.join(ROOT, 'lib/protocol/node/index.js')
);
const { chooseLevel } = await import(path.join(ROOT, 'lib/viewer-server/pixels/plane-levels.js'));

const args = process.argv.slice(2);
const argAfter = name => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : undefined);
const short = args.includes('--short');
const ROUNDS = Number(argAfter('--rounds') ?? (short ? 1 : 3));
const PORT = Number(process.env.PORT ?? 29050);
const HTTP = PORT + 3000;
const python = path.join(ROOT, '.venv/bin/python');
const [ROWS, COLS, CHANNELS, SIZE, LEVELS] = short ? [2, 3, 2, 512, 3] : [16, 24, 4, 2048, 5];
const WELLS = ROWS * COLS;
const cache = process.env.BENCH_OPEN_CACHE ?? '/tmp/plv-bench-open';
const plate = path.join(cache, `plate-${ROWS}x${COLS}x${CHANNELS}x${SIZE}.zarr`);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-bench-open-'));
const cleanups = [() => fs.rmSync(work, { recursive: true, force: true })];

function writePlate() {
  const marker = path.join(plate, '.complete');
  const params = { rows: ROWS, cols: COLS, channels: CHANNELS, size: SIZE, levels: LEVELS, v: 1 };
  if (
    fs.existsSync(marker) &&
    JSON.stringify(JSON.parse(fs.readFileSync(marker, 'utf8'))) === JSON.stringify(params)
  )
    return; // complete (bench-open-plate.py writes the same marker last)
  fs.mkdirSync(cache, { recursive: true });
  const t0 = performance.now();
  execFileSync(
    python,
    [path.join(ROOT, 'scripts/bench-open-plate.py'), plate, ROWS, COLS, CHANNELS, SIZE, LEVELS].map(
      String
    ),
    { stdio: ['ignore', 'inherit', 'inherit'], timeout: 3 * 3600_000 }
  );
  const s = (performance.now() - t0) / 1000;
  if (s > 5) console.log(`[open] wrote ${plate} in ${s.toFixed(0)} s`);
}

const waitPage = (pg, fn, arg, ms, what) =>
  pg.waitForFunction(fn, arg, { timeout: ms, polling: 'raf' }).catch(e => {
    throw new Error(
      `bench-open: ${what} not reached within ${ms} ms (${e.message.split('\n')[0]})`
    );
  });

// In the page: every frame, note (epoch ms) when the first well is painted and, if `grid`,
// click the grid toggle once it is enabled and note when every well's thumbnail is painted.
function watch({ wells, grid }) {
  const now = () => performance.timeOrigin + performance.now();
  const marks = (window.marks = {});
  const frame = () => {
    const c = document.querySelector('[data-testid=pipeline-viewer-canvas]');
    const toggle = document.querySelector('[data-testid=pipeline-viewer-grid-toggle]');
    const g = document.querySelector('[data-testid=pipeline-viewer-grid-canvas]');
    const at = JSON.parse(c?.dataset.position || '{}');
    if (!marks.layer && at.well !== undefined) marks.layer = now();
    if (
      !marks.firstWell &&
      at.well !== undefined &&
      c.dataset.loading === 'false' &&
      Number(c.dataset.planesShown) > 0
    )
      marks.firstWell = now();
    if (grid && !marks.gridClick && toggle && !toggle.disabled && marks.layer) {
      marks.gridClick = now();
      toggle.click();
    }
    if (grid && g?.dataset.painted === String(wells)) marks.grid = now();
    if (!(grid ? marks.grid : marks.firstWell)) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

/** The api/plane or api/thumbnails requests of the page: max asked, sent and ended (epoch ms). */
const requests = (pg, api) =>
  pg.evaluate(
    api =>
      performance
        .getEntriesByType('resource')
        .filter(e => e.name.includes(api))
        .map(e => ({
          max: Number(new URL(e.name).searchParams.get('max')),
          sent: performance.timeOrigin + e.startTime,
          end: performance.timeOrigin + e.responseEnd
        })),
    api
  );

/** One open on a fresh server: epoch marks and the requests made; `grid` also shows the grid. */
async function openOnce(browser, grid) {
  const home = fs.mkdtempSync(path.join(work, 'home-'));
  const env = { ...process.env, PIPELINE_VIEWER_HOME: home };
  const server = await startServer(PORT, env);
  const front = await startFront(work, page(liveServerRecord(PORT, env).browser_token, HTTP));
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 760 } });
  try {
    const pg = await ctx.newPage();
    const errors = [];
    pg.on('pageerror', e => errors.push(e.message));
    await pg.goto(`http://127.0.0.1:${front.address().port}/`);
    await waitPage(pg, () => window.widget.stats.status === 'connected', null, 15000, 'connected');
    await sleep(300);
    await pg.evaluate(watch, { wells: WELLS, grid });
    const sent = performance.timeOrigin + performance.now();
    const reply = await controlRequest(
      PORT,
      { type: 'open_plate', path: plate },
      { env, timeoutMs: 30000 }
    );
    if (reply.type !== 'open_plate_ack') throw new Error(`open_plate: ${JSON.stringify(reply)}`);
    const acked = performance.timeOrigin + performance.now();
    await waitPage(
      pg,
      g => (g ? window.marks.grid : window.marks.firstWell),
      grid,
      60000,
      grid ? 'grid painted' : 'first well painted'
    ).catch(async e => {
      const seen = await pg.evaluate(() => ({
        marks: window.marks,
        grid: { ...document.querySelector('[data-testid=pipeline-viewer-grid-canvas]')?.dataset },
        canvas: { ...document.querySelector('[data-testid=pipeline-viewer-canvas]')?.dataset }
      }));
      const thumbs = await requests(pg, 'api/thumbnails');
      throw new Error(
        `${e.message}; page: ${JSON.stringify(seen)}; thumbnails: ${JSON.stringify(thumbs)}`
      );
    });
    if (errors.length) throw new Error(`page errors: ${errors.slice(0, 3).join('; ')}`);
    const marks = await pg.evaluate(() => window.marks);
    const planes = await requests(pg, 'api/plane');
    const thumbs = await requests(pg, 'api/thumbnails');
    return { sent, acked, marks, planes, thumbs };
  } finally {
    await ctx.close();
    front.close();
    server.kill('SIGTERM');
    await Promise.race([new Promise(r => server.on('exit', r)), sleep(10000)]);
  }
}

/** Baseline: zarr-python in a fresh process, the same plane and grid level (ms, in Python). */
function baseline(firstLevel, gridLevel) {
  const out = execFileSync(
    python,
    [
      path.join(ROOT, 'scripts/bench-open-plate.py'),
      'read',
      plate,
      String(firstLevel),
      String(gridLevel)
    ],
    { encoding: 'utf8', timeout: 120_000 }
  );
  return JSON.parse(out);
}

const loadBefore = loadLine();
writePlate();
fs.mkdirSync(path.join(work, 'bundle'), { recursive: true });
await bundle(work);
const browser = await launchChromium();
cleanups.unshift(() => browser.close());

const shapeOf = [SIZE, SIZE];
const rows = [];
let levels = null;
try {
  for (let r = 0; r < ROUNDS; r++) {
    const row = { round: r + 1 };
    const ours = async () => {
      const a = await openOnce(browser, false);
      const b = await openOnce(browser, true);
      const firstMax = a.planes[0]?.max;
      const gridMax = b.thumbs[0]?.max;
      if (!firstMax || !gridMax) throw new Error('the page asked no api/plane or api/thumbnails');
      levels = { first: chooseLevel(shapeOf, firstMax), grid: chooseLevel(shapeOf, gridMax) };
      Object.assign(row, {
        openAck: a.acked - a.sent,
        firstWell: a.marks.firstWell - a.sent,
        firstPlaneSent: a.planes[0].sent - a.sent,
        firstPlaneEnd: a.planes[0].end - a.sent,
        grid: b.marks.grid - b.sent,
        gridClick: b.marks.gridClick - b.sent,
        thumbsEnd: Math.max(...b.thumbs.map(t => t.end)) - b.sent,
        thumbRequests: b.thumbs.length,
        levels
      });
    };
    const theirs = () => {
      // a level below the stored pyramid is read at its deepest stored level, as we do
      const py = baseline(Math.min(levels.first, LEVELS - 1), Math.min(levels.grid, LEVELS - 1));
      row.pyFirst = py.first_ms;
      row.pyGrid = py.grid_ms;
    };
    // ours first in odd rounds; round 1 must be ours (it learns the levels the widget asks)
    if (r % 2 === 0 || !levels) {
      await ours();
      theirs();
    } else {
      theirs();
      await ours();
    }
    rows.push(row);
    const f = v => v.toFixed(0);
    console.log(
      `[open] round ${r + 1}: ours first well ${f(row.firstWell)} ms (ack ${f(row.openAck)}, plane ${f(row.firstPlaneSent)}–${f(row.firstPlaneEnd)}), grid ${f(row.grid)} ms (click ${f(row.gridClick)}, ${row.thumbRequests} thumbnail requests, last byte ${f(row.thumbsEnd)}); zarr-python first ${f(row.pyFirst)} ms, grid ${f(row.pyGrid)} ms`
    );
  }
} finally {
  for (const c of cleanups) await Promise.resolve(c()).catch(() => {});
}

const col = k => rows.map(r => r[k]);
const ratio = (a, b) => rows.map(r => r[a] / r[b]);
const line = (what, k, base, target) => [
  what,
  median(col(k)).toFixed(0),
  range(col(k), 0),
  base ? `${median(ratio(k, base)).toFixed(2)} (${range(ratio(k, base))})` : '',
  target ?? ''
];
const lv = levels ?? { first: '?', grid: '?' };
const side = l => SIZE >> l;
const markdown = [
  `Open a ${WELLS}-well × ${CHANNELS}-channel ${SIZE}² uint16 OME-Zarr plate (NGFF 0.4, zarr v2, levels 0–${LEVELS - 1}, Blosc lz4; ${plate}) in the widget, ${ROUNDS} alternating rounds, fresh server each open, page cache warm. First well shown at level ${lv.first} (${side(lv.first)}²), grid at level ${lv.grid} (${side(lv.grid)}²).`,
  '',
  table(
    ['what (ms from the open request)', 'median', 'min–max', '× zarr-python (min–max)', 'target'],
    [
      line('first well painted', 'firstWell', 'pyFirst', '≤ 1000'),
      line('  open_plate acknowledged (source started, plate listed)', 'openAck'),
      line('  first api/plane sent', 'firstPlaneSent'),
      line('  first api/plane received', 'firstPlaneEnd'),
      line('baseline: zarr-python reads the same plane (+ metadata)', 'pyFirst'),
      line(`plate grid painted (${WELLS} wells)`, 'grid', 'pyGrid', '≤ 2000'),
      line('  grid toggle clicked (enabled)', 'gridClick'),
      line('  last api/thumbnails byte', 'thumbsEnd'),
      line(`baseline: zarr-python reads ${WELLS} wells' planes at the grid level`, 'pyGrid')
    ]
  ),
  '',
  `Before: ${loadBefore}`,
  `After: ${loadLine()}`
].join('\n');
console.log(markdown);
const report = argAfter('--report');
if (report) fs.writeFileSync(report, markdown + '\n');
process.exit(0);
