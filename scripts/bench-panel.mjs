#!/usr/bin/env node
/**
 * Issue 14, P3 and P4: the docked panel in a real JupyterLab (from .venv), in Debian Chromium
 * (playwright-core), the viewer server reached through jupyter-server-proxy.
 *
 * P3, save → paint: per plane a producer (this process, ZeroMQ, as the test harness sends)
 * saves a size² uint16 plane of a new well; with follow newest the panel shows it. Times are
 * epoch milliseconds on both sides (Node's and the page's `performance.timeOrigin + now()`,
 * the same machine clock; checked at start to agree within a bound): from the send of the
 * save to the first paint of the well (any level), to the paint of a level at least as large
 * as the panel needs, to the paint of full resolution (the panel refines after 1 s idle).
 * Paints are recorded where the widget reports them (ViewerSession.notePainted, called at
 * the end of each canvas paint). Baselines of the same plane, the same browser, same proxy
 * path, right after it: a bare fetch of the plane's full-resolution `api/plane` response, and
 * of a static file of the same size (a Node file server behind the same proxy).
 * Bytes per painted plane: the `api/plane` bodies fetched for that well (Resource Timing).
 *
 * P4, scrubbing planes already in the browser: a requestAnimationFrame loop moves the well
 * slider one step per frame over the round's wells for a few seconds; planes put on screen
 * per second (ViewerSession.planesShown), at devicePixelRatio 1 (the P3 page) and 2 (a fresh
 * page with deviceScaleFactor 2 that first shows each well once).
 *
 *   node scripts/bench-panel.mjs [--short] [--rounds 3] [--planes 30] [--size 2048] [--report FILE]
 *
 * TRACE=1 traces round 1's scrubs (bench-trace.mjs: the busiest threads and events).
 * MAX_DPR=1 caps the canvas' device pixel ratio, PREVIEW_PX=0 asks the needed size at once.
 * JUPYTER_PORT (default 31004) and PORT (viewer data port, default 29150; +1000, +3000;
 * PORT+49 serves the static file). Own JupyterLab root, workspace and viewer home in a temp
 * folder (never ui-tests/.lab-root). lib/ and the labextension must be built. Every wait is
 * bounded. Prints a markdown table and writes JSON to $OUT (default /tmp/plv-bench-panel).
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zmq from 'zeromq';
import { loadLine, median, range, table } from './bench-stats.mjs';
import * as page$ from './bench-panel-page.mjs';
import { traced } from './bench-trace.mjs';
import { launchChromium } from './bench-chromium.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const short = args.includes('--short');
const opt = (name, d) => (args.includes(name) ? args[args.indexOf(name) + 1] : d);
const ROUNDS = Number(opt('--rounds', short ? 1 : 3));
const PLANES = Number(opt('--planes', short ? 3 : 30));
const SIZE = Number(opt('--size', short ? 512 : 2048));
const SCRUB_MS = short ? 1000 : 3000;
const REPORT = opt('--report', null);
const OUT = process.env.OUT ?? '/tmp/plv-bench-panel';
const JUPYTER_PORT = Number(process.env.JUPYTER_PORT ?? 31004);
const PORT = Number(process.env.PORT ?? 29150);
const STATIC_PORT = PORT + 49;
/** Variants measured against the defaults: MAX_DPR=1 caps the canvas, PREVIEW_PX=0 skips the preview. */
const MAX_DPR = process.env.MAX_DPR ? Number(process.env.MAX_DPR) : null;
const PREVIEW = process.env.PREVIEW_PX ? Number(process.env.PREVIEW_PX) : null;
const BASE = `http://127.0.0.1:${JUPYTER_PORT}`;
const { encodeBatch } = await import(path.join(ROOT, 'lib/protocol/codec.js'));

const sleep = ms => new Promise(r => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();
/** Well names of a 384-well plate (16 × 24): every plane of the run is a new well. */
const wellName = i =>
  `${'ABCDEFGHIJKLMNOP'[Math.floor(i / 24) % 16]}${String((i % 24) + 1).padStart(2, '0')}`;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-bench-panel-'));
const env = {
  ...process.env,
  PATH: `${path.join(ROOT, '.venv/bin')}:${process.env.PATH}`,
  PIPELINE_VIEWER_HOME: path.join(tmp, 'home'),
  PIPELINE_VIEWER_LOG_DIR: path.join(tmp, 'logs')
};

function viewerCli(...cmd) {
  return execFileSync(
    process.execPath,
    ['bin/pipeline-viewer.js', 'server', ...cmd, '--port', String(PORT)],
    { cwd: ROOT, env, timeout: 30000, stdio: ['ignore', 'pipe', 'pipe'] }
  ).toString();
}

/** JupyterLab as the ui-tests start it (Galata's server config), with its own root folder. */
async function startLab() {
  const config = path.join(tmp, 'jupyter_bench_config.py');
  fs.mkdirSync(path.join(tmp, 'root'));
  fs.writeFileSync(
    config,
    [
      'import os',
      'from jupyterlab.galata import configure_jupyter_server',
      `os.environ["JUPYTERLAB_GALATA_ROOT_DIR"] = ${JSON.stringify(path.join(tmp, 'root'))}`,
      'configure_jupyter_server(c)',
      'c.ServerApp.ip = "127.0.0.1"',
      `c.ServerApp.port = ${JUPYTER_PORT}`,
      'c.ServerApp.allow_root = True',
      'c.LabApp.news_url = None',
      'c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"',
      ''
    ].join('\n')
  );
  const lab = spawn(path.join(ROOT, '.venv/bin/jupyter'), ['lab', '--config', config], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true
  });
  let log = '';
  lab.stderr.on('data', d => (log = (log + d).slice(-4000)));
  const deadline = Date.now() + 120000;
  while (Date.now() < deadline && lab.exitCode === null) {
    const ok = await fetch(`${BASE}/lab`)
      .then(r => r.ok)
      .catch(() => false);
    if (ok) return lab;
    await sleep(500);
  }
  process.kill(-lab.pid, 'SIGTERM');
  throw new Error(`JupyterLab on port ${JUPYTER_PORT} did not start within 120 s:\n${log}`);
}

/** A file of `bytes` bytes at /plane.bin: the bare transfer's baseline through the proxy. */
function startStatic(bytes) {
  const body = Buffer.alloc(bytes, 7);
  const server = http.createServer((req, res) => {
    if (!req.url.startsWith('/plane.bin')) return res.writeHead(404).end();
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(bytes),
      'cache-control': 'no-store'
    });
    res.end(body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(STATIC_PORT, '127.0.0.1', () => resolve(server));
  });
}

/** A disc at a place of its own on a textured background, so every plane differs. */
function picture(n, seed) {
  const data = new Uint16Array(n * n);
  const cx = n * (0.2 + 0.05 * (seed % 13));
  const cy = n * (0.25 + 0.04 * (seed % 11));
  const r2 = (n * 0.12) ** 2;
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++)
      data[y * n + x] = (x - cx) ** 2 + (y - cy) ** 2 < r2 ? 30000 : 500 + ((x * 7 + y) & 255);
  return new Uint8Array(data.buffer);
}

/** Saves one plane of `well`; resolves with when it was sent and when the server stored it. */
async function save(socket, well, seed) {
  const pixels = picture(SIZE, seed);
  const images = [
    {
      path: `${well}_w1.tif`,
      shape: [SIZE, SIZE],
      dtype: 'uint16',
      image_id: `${well}-${seed}`,
      frame: 1,
      metadata: { source: 'Bench', well, site: 1, channel: 1, z_index: 1 }
    }
  ];
  const message = encodeBatch({ type: 'batch', images }, [pixels]);
  const sent = now();
  await socket.send(message);
  const reply = await Promise.race([socket.receive(), sleep(30000).then(() => null)]);
  if (!reply) throw new Error(`no reply from the viewer server for well ${well} within 30 s`);
  return { sent, stored: now() };
}

async function openPanel(browser, dpr) {
  const ctx = await browser.newContext({
    viewport: { width: 1400, height: 900 },
    deviceScaleFactor: dpr
  });
  const pg = await ctx.newPage();
  const errors = [];
  pg.on('pageerror', e => errors.push(e.message));
  // a second try: on this shared machine another job may be rebuilding the labextension
  for (let attempt = 1; attempt <= 2; attempt++) {
    await pg.goto(`${BASE}/lab`, { timeout: 120000 });
    try {
      await page$.wait(
        pg,
        () => window.jupyterapp?.commands.hasCommand('pipeline-viewer:open'),
        null,
        120000,
        'JupyterLab and the extension loaded'
      );
      break;
    } catch (err) {
      if (attempt === 2) throw err;
    }
  }
  await pg.evaluate(page$.openAndInstrument, {
    port: PORT,
    maxPixelRatio: MAX_DPR,
    previewPx: PREVIEW
  });
  await page$.wait(
    pg,
    () => window.bench.view()?.stats.status === 'connected',
    null,
    30000,
    'the panel connected'
  );
  // both clocks are the machine's: the page's epoch time lies between two of Node's
  const before = now();
  const pageNow = await pg.evaluate(() => performance.timeOrigin + performance.now());
  const after = now();
  if (pageNow < before - 2 || pageNow > after + 2)
    throw new Error(`page clock ${pageNow} outside Node's [${before}, ${after}]: cannot align`);
  return { ctx, pg, errors, clockSlackMs: after - before };
}

async function p3(pg, socket, wells, seed0) {
  const out = [];
  for (let i = 0; i < wells.length; i++) {
    await pg.evaluate(() => window.bench.reset());
    const t = await save(socket, wells[i], seed0 + i);
    const got = await page$.wait(
      pg,
      w => window.bench.fullyPainted(w),
      wells[i],
      30000,
      `well ${wells[i]} at full resolution`
    );
    const plane = await got.jsonValue();
    // baselines, alternating which goes first
    const bare = await pg.evaluate(page$.bareFetches, {
      url: plane.fullUrl,
      staticUrl: `proxy/${STATIC_PORT}/plane.bin`,
      staticFirst: i % 2 === 1
    });
    out.push({ well: wells[i], ...t, ...plane, ...bare });
  }
  return out;
}

/** TRACE=1: round 1's scrubs run under a Chrome trace (bench-trace.mjs), reported apart. */
async function scrub(browser, pg, wells, first) {
  const run = () => pg.evaluate(page$.scrubFor, { wells, ms: SCRUB_MS });
  if (!first || !process.env.TRACE) return run();
  const { result, busiest } = await traced(browser, pg, run);
  return { ...result, busiest };
}

const cleanups = [];
const rows = [];
try {
  fs.mkdirSync(OUT, { recursive: true });
  viewerCli('start', '--fresh');
  cleanups.push(() => viewerCli('stop'));
  const lab = await startLab();
  cleanups.push(async () => {
    process.kill(-lab.pid, 'SIGTERM');
    await Promise.race([new Promise(r => lab.once('exit', r)), sleep(15000)]);
  });
  const browser = await launchChromium();
  cleanups.unshift(() => browser.close());
  const socket = new zmq.Dealer({ linger: 0 });
  socket.connect(`tcp://127.0.0.1:${PORT}`);
  cleanups.unshift(() => socket.close());
  let files = null;
  const load = [os.loadavg()[0]];
  for (let r = 0; r < ROUNDS; r++) {
    const wells = Array.from({ length: PLANES }, (_, i) => wellName(r * PLANES + i));
    const one = await openPanel(browser, 1);
    if (!files) {
      // the static file has the size of the plane's full-resolution response
      await save(socket, wellName(383), 999);
      const first = await page$.wait(
        one.pg,
        w => window.bench.fullyPainted(w),
        wellName(383),
        30000,
        'the first plane'
      );
      const bytes = (await first.jsonValue()).fullBytes;
      files = await startStatic(bytes);
      cleanups.push(() => files.close());
    }
    const planes = await p3(one.pg, socket, wells, r * PLANES);
    const scrub1 = await scrub(browser, one.pg, wells, r === 0);
    await one.ctx.close();
    load.push(os.loadavg()[0]);
    const two = await openPanel(browser, 2);
    await two.pg.evaluate(page$.showEach, { wells, ms: 30000 });
    const scrub2 = await scrub(browser, two.pg, wells, r === 0);
    await two.ctx.close();
    load.push(os.loadavg()[0]);
    rows.push({ round: r + 1, planes, scrub1, scrub2, errors: [...one.errors, ...two.errors] });
    console.error(`[bench-panel] round ${r + 1} of ${ROUNDS} done`);
  }
  const summary = summarize(rows, load);
  fs.writeFileSync(path.join(OUT, 'bench-panel.json'), JSON.stringify({ summary, rows }, null, 2));
  const md = report(summary);
  if (REPORT) fs.writeFileSync(REPORT, md + '\n');
  console.log(md);
} finally {
  for (const c of cleanups)
    await Promise.resolve()
      .then(c)
      .catch(() => {});
  fs.rmSync(tmp, { recursive: true, force: true });
}
process.exit(0);

function pct(values, p) {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  return v.length ? v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)] : NaN;
}

/** Per round p50 and p95 of each figure; the table gives their median and min–max. */
function summarize(rounds, load) {
  const per = f =>
    rounds.map(r => ({ p50: pct(r.planes.map(f), 50), p95: pct(r.planes.map(f), 95) }));
  const fig = f => per(f);
  return {
    plane: `${SIZE}² uint16, ${PLANES} planes per round, ${ROUNDS} round(s)`,
    load,
    firstPaint: fig(p => p.firstPaint - p.sent),
    panelPaint: fig(p => p.panelPaint - p.sent),
    fullPaint: fig(p => p.fullPaint - p.sent),
    stored: fig(p => p.stored - p.sent),
    firstEvent: fig(p => p.eventAt - p.sent),
    firstRequest: fig(p => p.firstRequest - p.sent),
    fullTransferToPaint: fig(p => p.fullPaint - p.fullRequest),
    bare: fig(p => p.bareMs),
    bareStatic: fig(p => p.staticMs),
    fullOverBare: fig(p => (p.fullPaint - p.fullRequest) / p.bareMs),
    fullOverStatic: fig(p => (p.fullPaint - p.fullRequest) / p.staticMs),
    bytesToPanel: fig(p => p.bytesToPanel),
    bytesToFull: fig(p => p.bytesToFull),
    panelSize: fig(p => p.panelSize),
    fullBytes: rounds[0]?.planes[0]?.fullBytes,
    scrub1: rounds.map(r => r.scrub1),
    scrub2: rounds.map(r => r.scrub2),
    errors: rounds.flatMap(r => r.errors).slice(0, 5)
  };
}

function report(s) {
  const cell = (xs, k, digits = 0, unit = ' ms') =>
    `${median(xs.map(x => x[k])).toFixed(digits)}${unit} (${range(
      xs.map(x => x[k]),
      digits
    )})`;
  const both = (xs, d = 0, u = ' ms') => [cell(xs, 'p50', d, u), cell(xs, 'p95', d, u)];
  const scrubCell = (xs, k) => cell(xs, k, 1, '');
  const MiB = x => x.map(v => ({ p50: v.p50 / 2 ** 20, p95: v.p95 / 2 ** 20 }));
  return [
    `P3/P4 in the docked panel (JupyterLab, jupyter-server-proxy, Chromium/SwiftShader): ${s.plane}${MAX_DPR !== null ? `, canvas pixel ratio capped at ${MAX_DPR}` : ''}${PREVIEW !== null ? `, preview ${PREVIEW || 'none'}` : ''}. ${loadLine()} Load average (1 min) over the run: ${median(s.load).toFixed(1)} (${range(s.load, 1)}).`,
    '',
    table(
      ['figure', 'p50: median (min–max) of rounds', 'p95: median (min–max) of rounds'],
      [
        ['save sent → server stored it', ...both(s.stored)],
        ['save sent → first event in the page', ...both(s.firstEvent)],
        ['save sent → first plane request', ...both(s.firstRequest)],
        ['save sent → first paint (any level)', ...both(s.firstPaint)],
        ['save sent → panel-sized level painted', ...both(s.panelPaint)],
        ['save sent → full resolution painted (after 1 s idle)', ...both(s.fullPaint)],
        ['full-resolution request → painted', ...both(s.fullTransferToPaint)],
        ['bare fetch of that response (baseline)', ...both(s.bare)],
        ['bare fetch of a static file of its size (baseline)', ...both(s.bareStatic)],
        ['full refinement / bare fetch', ...both(s.fullOverBare, 2, '×')],
        ['full refinement / static file', ...both(s.fullOverStatic, 2, '×')],
        ['MiB fetched until the panel-sized level', ...both(MiB(s.bytesToPanel), 2, '')],
        ['MiB fetched per plane until full resolution', ...both(MiB(s.bytesToFull), 2, '')],
        ['panel-sized level wanted (px, larger side)', ...both(s.panelSize, 0, '')]
      ]
    ),
    '',
    table(
      [
        'P4 scrubbing planes in the browser',
        'planes painted/s',
        'slider steps/s',
        'canvas paints/s',
        'idle page frames/s (baseline)',
        'paint ms (main thread)',
        'share of time in long tasks'
      ],
      [1, 2].map(d => {
        const xs = d === 1 ? s.scrub1 : s.scrub2;
        return [
          `devicePixelRatio ${d} (canvas ${xs[0]?.canvasPx.join(' × ')})`,
          ...[
            'planesPerS',
            'stepsPerS',
            'framesPerS',
            'idleFps',
            'paintMsPerFrame',
            'longTaskShare'
          ].map(k => scrubCell(xs, k))
        ];
      })
    ),
    ...[s.scrub1[0], s.scrub2[0]]
      .filter(x => x?.busiest)
      .map(
        x =>
          `\nTraced scrub at devicePixelRatio ${x.dpr} (round 1), busiest events, ms: ${x.busiest
            .map(b => `${b.event} ${b.ms}`)
            .join('; ')}.`
      ),
    '',
    `Full-resolution response: ${s.fullBytes} bytes.${s.errors.length ? ` Page errors: ${s.errors.join(' | ')}` : ''}`
  ].join('\n');
}
