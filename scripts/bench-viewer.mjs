#!/usr/bin/env node
/**
 * Viewer widget figures of issue 10, in Debian Chromium (playwright-core, SwiftShader WebGL2),
 * against a REAL viewer server reached through a local /proxy/<port>/ reverse proxy (as
 * jupyter-server-proxy): the widget bundle of lib/ (run `npx tsc -b` first).
 *
 *   node scripts/bench-viewer.mjs [rounds=3] [wells=96] [channels=3] [size=1024]
 *
 * Each round clears the server, opens a fresh page (a new renderer process) and measures:
 * - first well: ms from the server's reply to the producer until that well is on screen
 *   (baseline: the same for one 256² plane, so the ratio shows what plane size costs);
 * - grid: ms from clicking Grid until every well's thumbnail is painted, wells streamed;
 * - scrub: arrow steps at 30 steps/s for 3 s: steps, planes painted, requests aborted;
 * - memory: renderer and GPU process RSS growth over the idle page while sweeping every
 *   well (and channel when channels have a slider), against the documented budgets.
 * Prints a JSON summary (medians, min–max, load average) and writes it to $OUT.
 * Data port $PORT, default 21290 (+1000, +3000). Every wait is bounded. Knobs for experiments: CACHE_MIB and
 * TEXTURE_MIB (the widget's cacheBytes / textureBytes), ONLY=memory (skip grid and scrub).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import webpack from 'webpack';
import * as zmq from 'zeromq';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = process.env.OUT ?? '/tmp/plv-bench-viewer';
const PORT = Number(process.env.PORT ?? 21290);
const HTTP = PORT + 3000;
const [ROUNDS, WELLS, CHANNELS, SIZE] = [3, 96, 3, 1024].map((d, i) =>
  Number(process.argv[2 + i] ?? d)
);
const { encodeBatch } = await import(path.join(ROOT, 'lib/protocol/codec.js'));
const { ping, liveServerRecord, controlRequest } = await import(
  path.join(ROOT, 'lib/protocol/node/index.js')
);
const { DEFAULT_CACHE_BYTES } = await import(
  path.join(ROOT, 'lib/viewer-widget/model/plane-cache.js')
);
const { DEFAULT_TEXTURE_BYTES } = await import(
  path.join(ROOT, 'lib/viewer-widget/view/texture-cache.js')
);
const MiB = 1024 * 1024;
const cleanups = [];
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-bench-viewer-'));
const env = { ...process.env, PIPELINE_VIEWER_HOME: home };
cleanups.push(() => fs.rmSync(home, { recursive: true, force: true }));
fs.mkdirSync(OUT, { recursive: true });

const sleep = ms => new Promise(r => setTimeout(r, ms));
const wellName = i =>
  `${'ABCDEFGHIJKLMNOP'[Math.floor(i / 12)]}${String((i % 12) + 1).padStart(2, '0')}`;

async function bundle() {
  const compiler = webpack({
    mode: 'production',
    target: 'web',
    entry: path.join(ROOT, 'lib/viewer-widget/index.js'),
    output: { path: OUT, filename: 'viewer-widget.js', library: { name: 'PLV', type: 'window' } },
    devtool: false,
    performance: { hints: false }
  });
  const stats = await new Promise((res, rej) => compiler.run((e, s) => (e ? rej(e) : res(s))));
  if (stats.hasErrors()) throw new Error(stats.toString('errors-only'));
}

function page(token) {
  const css = ['viewer.css', 'navigation.css']
    .map(f => fs.readFileSync(path.join(ROOT, 'style', f), 'utf8'))
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><style>
  :root { --jp-layout-color1:#fff; --jp-layout-color2:#eee; --jp-ui-font-color1:#000; --jp-border-color1:#999;
          --jp-border-width:1px; --jp-brand-color1:#1976d2; --jp-ui-font-size1:13px; --jp-code-font-size:12px; }
  html, body { margin:0; height:100%; } #host { position:absolute; inset:0; }
  ${css}</style></head><body><div id="host"></div><script src="viewer-widget.js"></script><script>
  const widget = new PLV.PipelineViewerWidget({ baseUrl: '/proxy/${HTTP}/', token: ${JSON.stringify(token)}, followNewest: true${
    process.env.CACHE_MIB ? `, cacheBytes: ${Number(process.env.CACHE_MIB) * 1048576}` : ''
  }${process.env.TEXTURE_MIB ? `, textureBytes: ${Number(process.env.TEXTURE_MIB) * 1048576}` : ''} });
  widget.node.style.position = 'absolute'; widget.node.style.inset = '0';
  document.getElementById('host').appendChild(widget.node);
  widget.processMessage({ type: 'after-attach', isConflatable: false });
  window.widget = widget;
  </script></body></html>`;
}

function startFront(token) {
  const server = http.createServer((req, res) => {
    const m = /^\/proxy\/(\d+)(\/.*)$/.exec(req.url);
    if (m) {
      const up = http.request(
        {
          host: '127.0.0.1',
          port: Number(m[1]),
          path: m[2],
          method: req.method,
          headers: req.headers
        },
        r => (res.writeHead(r.statusCode, r.headers), r.pipe(res))
      );
      up.on('error', () => res.writeHead(502).end());
      req.pipe(up);
    } else if (req.url === '/viewer-widget.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      fs.createReadStream(path.join(OUT, 'viewer-widget.js')).pipe(res);
    } else res.writeHead(200, { 'content-type': 'text/html' }).end(page(token));
  });
  server.on('upgrade', (req, socket, head) => {
    const m = /^\/proxy\/(\d+)(\/.*)$/.exec(req.url);
    if (!m) return socket.destroy();
    const up = net.connect(Number(m[1]), '127.0.0.1', () => {
      const head0 = [
        `${req.method} ${m[2]} HTTP/1.1`,
        ...Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`),
        '',
        ''
      ];
      up.write(head0.join('\r\n'));
      up.write(head);
      socket.pipe(up).pipe(socket);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function startServer() {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'lib/viewer-server/main.js'), '--port', String(PORT)],
    {
      env: { ...env, MALLOC_MMAP_THRESHOLD_: '131072' },
      stdio: ['ignore', 'ignore', 'inherit']
    }
  );
  cleanups.push(() => child.kill('SIGTERM'));
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    if (await ping(PORT, { timeoutMs: 300, env })) return;
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  throw new Error(`viewer server on port ${PORT} did not start within 20 s`);
}

/** A disc per well and channel on a dim background, so planes differ. */
function picture(n, seed) {
  const data = new Uint16Array(n * n);
  const cx = n * (0.25 + 0.05 * (seed % 11));
  const cy = n * (0.3 + 0.04 * (seed % 7));
  const r2 = (n * 0.15) ** 2;
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++)
      data[y * n + x] =
        (x - cx) ** 2 + (y - cy) ** 2 < r2 ? 30000 + seed * 7 : 500 + ((x * 7 + y) & 255);
  return new Uint8Array(data.buffer);
}

async function sendWell(socket, well, wi, channels, size) {
  const images = [];
  const buffers = [];
  for (let c = 1; c <= channels; c++) {
    buffers.push(picture(size, wi * 3 + c));
    images.push({
      path: `${well}_w${c}.tif`,
      shape: [size, size],
      dtype: 'uint16',
      image_id: `${well}-${c}-${size}`,
      frame: buffers.length,
      metadata: { source: 'Bench', well, site: 1, channel: c, z_index: 1 }
    });
  }
  await socket.send(encodeBatch({ type: 'batch', images }, buffers));
  const reply = await Promise.race([socket.receive(), sleep(30000).then(() => null)]);
  if (!reply) throw new Error(`no reply from the viewer server for well ${well} within 30 s`);
}

/** RSS in MiB of the renderer and GPU processes (from /proc), found through CDP. */
async function processRss(browserCdp) {
  const { processInfo } = await browserCdp.send('SystemInfo.getProcessInfo');
  const rss = pid => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : 0;
    } catch {
      return 0;
    }
  };
  const sum = type => processInfo.filter(p => p.type === type).reduce((s, p) => s + rss(p.id), 0);
  return { renderer: sum('renderer'), gpu: sum('GPU') };
}

const waitPage = (pg, fn, arg, ms, what) =>
  pg.waitForFunction(fn, arg, { timeout: ms, polling: 'raf' }).catch(e => {
    throw new Error(`bench: ${what} not reached within ${ms} ms (${e.message.split('\n')[0]})`);
  });

/** The canvas shows `well` completely (every visible layer's plane there). */
const onScreen = (pg, well, ms) =>
  waitPage(
    pg,
    w => {
      const c = document.querySelector('[data-testid=pipeline-viewer-canvas]');
      return c.dataset.loading === 'false' && JSON.parse(c.dataset.position || '{}').well === w;
    },
    well,
    ms,
    `well ${well} on screen`
  );

async function round(browser, browserCdp, r) {
  await controlRequest(PORT, { type: 'clear_state' }, { env, timeoutMs: 5000 });
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 760 } });
  const pg = await ctx.newPage();
  const errors = [];
  pg.on('pageerror', e => errors.push(e.message));
  await pg.goto(front);
  await waitPage(pg, () => window.widget.stats.status === 'connected', null, 15000, 'connected');
  await sleep(500);
  const idle = await processRss(browserCdp);
  const out = { round: r };
  const socket = new zmq.Dealer({ linger: 0 });
  socket.connect(`tcp://127.0.0.1:${PORT}`);
  try {
    // baseline: a small plane (256²), then the first well of the plate at full size
    await sendWell(socket, 'P24', 999, 1, 256);
    let t = performance.now();
    await onScreen(pg, 'P24', 10000);
    out.smallPlaneMs = performance.now() - t;
    await sendWell(socket, wellName(0), 0, CHANNELS, SIZE);
    t = performance.now();
    await onScreen(pg, wellName(0), 10000);
    out.firstWellMs = performance.now() - t;
    await controlRequest(PORT, { type: 'clear_state' }, { env, timeoutMs: 5000 });
    for (let i = 0; i < WELLS; i++) await sendWell(socket, wellName(i), i, CHANNELS, SIZE);
    await waitPage(
      pg,
      n =>
        document.querySelector('[data-testid=pipeline-viewer-slider-well]')?.max === String(n - 1),
      WELLS,
      30000,
      `${WELLS} wells in the slider`
    );
    await sleep(1500); // let the last well's planes land

    const only = process.env.ONLY === 'memory';
    // grid: click until every thumbnail is painted
    if (!only) {
      t = performance.now();
      await pg.click('[data-testid=pipeline-viewer-grid-toggle]');
      await waitPage(
        pg,
        n =>
          document.querySelector('[data-testid=pipeline-viewer-grid-canvas]')?.dataset.painted ===
          String(n),
        WELLS,
        30000,
        'grid painted'
      );
      out.gridMs = performance.now() - t;
      await pg.keyboard.press('Escape');

      // scrub: 30 steps/s for 3 s from the first well
      await pg.evaluate(() => window.widget.model.dims.setIndex('well', 0));
      await onScreen(pg, wellName(0), 20000);
      await sleep(1200);
      await pg.click('[data-testid=pipeline-viewer-canvas]');
      const hooks = () =>
        pg.evaluate(() => ({
          shown: window.widget.session.planesShown,
          aborted: window.widget.session.loader.aborted,
          drops: window.widget.session.loader.drops
        }));
      const h0 = await hooks();
      const steps = 90;
      t = performance.now();
      for (let i = 0; i < steps; i++) {
        await pg.keyboard.press('ArrowRight');
        const due = t + ((i + 1) * 1000) / 30;
        await sleep(Math.max(0, due - performance.now()));
      }
      const scrubS = (performance.now() - t) / 1000;
      const h1 = await hooks();
      out.scrub = {
        stepsPerS: steps / scrubS,
        paintedPerS: (h1.shown - h0.shown) / scrubS,
        aborted: h1.aborted - h0.aborted,
        drops: h1.drops - h0.drops
      };
    }

    // memory: sweep every well (and channel if it has a slider), each on screen
    let peak = { renderer: 0, gpu: 0 };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const now = await processRss(browserCdp);
        peak = {
          renderer: Math.max(peak.renderer, now.renderer),
          gpu: Math.max(peak.gpu, now.gpu)
        };
        await sleep(200);
      }
    })();
    const channelSlider = await pg.evaluate(() =>
      window.widget.model.dims.sliderAxes.some(a => a.name === 'channel')
    );
    for (let i = 0; i < WELLS; i++) {
      for (let c = 0; c < (channelSlider ? CHANNELS : 1); c++) {
        await pg.evaluate(
          ([i, c, cs]) => {
            window.widget.model.dims.setIndex('well', i);
            if (cs) window.widget.model.dims.setIndex('channel', c);
          },
          [i, c, channelSlider]
        );
        await onScreen(pg, wellName(i), 20000);
      }
    }
    await sleep(2000);
    sampling = false;
    await sampler;
    const after = await processRss(browserCdp);
    // what is left once V8 collected: garbage vs. memory really held
    await pg.evaluate(() => (globalThis.gc ? (gc(), gc()) : undefined));
    await sleep(1000);
    const collected = await processRss(browserCdp);
    const cdp = await ctx.newCDPSession(pg);
    const heap = await cdp.send('Runtime.getHeapUsage').catch(() => ({}));
    out.memory = {
      idleRendererMiB: idle.renderer,
      rendererPeakGrowthMiB: peak.renderer - idle.renderer,
      rendererSettledGrowthMiB: after.renderer - idle.renderer,
      rendererAfterGcGrowthMiB: collected.renderer - idle.renderer,
      jsHeapMiB: heap.usedSize / MiB,
      arrayBuffersMiB: heap.backingStorageSize / MiB,
      gpuPeakGrowthMiB: peak.gpu - idle.gpu,
      cacheMiB: await pg.evaluate(() => window.widget.model.cache.bytes / 1048576),
      channelSlider
    };
    if (errors.length) out.pageErrors = errors.slice(0, 5);
  } finally {
    socket.close();
    await ctx.close();
  }
  return out;
}

function stat(values) {
  const v = [...values].sort((a, b) => a - b);
  const med = v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  const r = x => Math.round(x * 10) / 10;
  return { median: r(med), min: r(v[0]), max: r(v[v.length - 1]) };
}

let front = '';
try {
  await bundle();
  await startServer();
  const token = liveServerRecord(PORT, env).browser_token;
  const frontServer = await startFront(token);
  cleanups.push(() => frontServer.close());
  front = `http://127.0.0.1:${frontServer.address().port}/`;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--js-flags=--expose-gc',
      '--no-sandbox',
      '--disable-dev-shm-usage',
      '--use-gl=angle',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      '--ignore-gpu-blocklist'
    ]
  });
  cleanups.unshift(() => browser.close());
  const browserCdp = await browser.newBrowserCDPSession();
  const load = [os.loadavg()[0]];
  const rounds = [];
  for (let r = 1; r <= ROUNDS; r++) {
    rounds.push(await round(browser, browserCdp, r));
    load.push(os.loadavg()[0]);
  }
  const pick = f => {
    const v = rounds.map(o => (o.scrub || !String(f).includes('scrub') ? f(o) : NaN));
    return v.every(Number.isFinite) ? stat(v) : null;
  };
  const summary = {
    plate: `${WELLS} wells × ${CHANNELS} channels × ${SIZE}² uint16`,
    rounds: ROUNDS,
    loadAverage1m: stat(load),
    budgetsMiB: { planeCache: DEFAULT_CACHE_BYTES / MiB, textures: DEFAULT_TEXTURE_BYTES / MiB },
    smallPlaneMs: pick(o => o.smallPlaneMs),
    firstWellMs: pick(o => o.firstWellMs),
    firstWellOverSmallPlane: pick(o => o.firstWellMs / o.smallPlaneMs),
    gridMs: pick(o => o.gridMs ?? NaN),
    scrubStepsPerS: pick(o => o.scrub.stepsPerS),
    scrubPaintedPerS: pick(o => o.scrub.paintedPerS),
    scrubAborted: pick(o => o.scrub.aborted),
    scrubDrops: pick(o => o.scrub.drops),
    rendererPeakGrowthMiB: pick(o => o.memory.rendererPeakGrowthMiB),
    rendererSettledGrowthMiB: pick(o => o.memory.rendererSettledGrowthMiB),
    gpuPeakGrowthMiB: pick(o => o.memory.gpuPeakGrowthMiB),
    rendererPeakOverPlaneCache: pick(
      o => o.memory.rendererPeakGrowthMiB / (DEFAULT_CACHE_BYTES / MiB)
    ),
    rounds_: rounds
  };
  fs.writeFileSync(path.join(OUT, 'bench-viewer.json'), JSON.stringify(summary, null, 2));
  console.log(JSON.stringify(summary, null, 2));
} finally {
  for (const c of cleanups) await Promise.resolve(c()).catch(() => {});
}
process.exit(0);
