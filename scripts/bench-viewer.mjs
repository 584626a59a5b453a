#!/usr/bin/env node
/**
 * Viewer widget figures of issue 10, in Debian Chromium (playwright-core, SwiftShader WebGL2),
 * against a REAL viewer server reached through a local /proxy/<port>/ reverse proxy (as
 * jupyter-server-proxy): the widget bundle of lib/ (run `npx tsc -b` first).
 *
 *   node scripts/bench-viewer.mjs [rounds=3] [wells=96] [channels=3] [size=1024] [--report FILE]
 *
 * Each round clears the server, opens a fresh page (a new renderer process) and measures:
 * - first well: ms from the server's reply to the producer until that well is on screen
 *   (baseline: the same for one 256² plane, so the ratio shows what plane size costs);
 * - grid: ms from clicking Grid until every well's thumbnail is painted, wells streamed;
 * - scrub: arrow steps at 30 steps/s for 3 s: steps, planes painted, requests aborted;
 * - memory: renderer and GPU process RSS growth over the idle page while sweeping every
 *   well (and channel when channels have a slider), against the documented budgets.
 * Prints a JSON summary (medians, min–max, load average) and writes it to $OUT; `--report
 * FILE`: the same as a markdown table.
 * Data port $PORT, default 21290 (+1000, +3000). Every wait is bounded. Knobs for experiments: CACHE_MIB and
 * TEXTURE_MIB (the widget's cacheBytes / textureBytes), ONLY=memory (skip grid and scrub),
 * ONLY=grid (skip scrub and memory).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zmq from 'zeromq';
import {
  bundle,
  page,
  ROOT,
  sendWell,
  sleep,
  startFront,
  startServer,
  stat,
  wellName
} from './bench-viewer-harness.mjs';
import { launchChromium } from './bench-chromium.mjs';

const OUT = process.env.OUT ?? '/tmp/plv-bench-viewer';
const PORT = Number(process.env.PORT ?? 21290);
const HTTP = PORT + 3000;
const cli = process.argv.slice(2);
const REPORT = cli.includes('--report') ? cli[cli.indexOf('--report') + 1] : null;
const positional = cli.filter((a, i) => !a.startsWith('--') && !cli[i - 1]?.startsWith('--'));
const [ROUNDS, WELLS, CHANNELS, SIZE] = [3, 96, 3, 1024].map((d, i) => Number(positional[i] ?? d));
const { liveServerRecord, controlRequest } = await import(
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

    const only = process.env.ONLY;
    // grid: click until every thumbnail is painted, timed on the page's clock from the click
    // event (the driver's own click latency is not the panel's), with where the time went
    if (only !== 'memory') {
      await pg.evaluate(() =>
        document
          .querySelector('[data-testid=pipeline-viewer-grid-toggle]')
          .addEventListener('click', () => (window.gridClickAt = performance.now()), {
            capture: true,
            once: true
          })
      );
      t = performance.now();
      await pg.click('[data-testid=pipeline-viewer-grid-toggle]');
      const painted = await waitPage(
        pg,
        n =>
          document.querySelector('[data-testid=pipeline-viewer-grid-canvas]')?.dataset.painted ===
            String(n) && performance.now(),
        WELLS,
        30000,
        'grid painted'
      );
      out.gridDriverMs = performance.now() - t;
      const paintedAt = await painted.jsonValue();
      const parts = await pg.evaluate(
        t0 =>
          performance
            .getEntriesByType('resource')
            .filter(e => e.name.includes('api/thumbnails') && e.startTime >= t0)
            .map(e => ({
              sent: e.startTime - t0,
              first: e.responseStart - t0,
              end: e.responseEnd - t0
            })),
        await pg.evaluate(() => window.gridClickAt)
      );
      const clickAt = await pg.evaluate(() => window.gridClickAt);
      out.gridMs = paintedAt - clickAt;
      out.gridParts = {
        requests: parts.length,
        firstSentMs: Math.min(...parts.map(p => p.sent)),
        lastByteMs: Math.max(...parts.map(p => p.end)),
        firstByteMs: Math.min(...parts.map(p => p.first))
      };
      await pg.keyboard.press('Escape');
      if (only === 'grid') return out;

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

let front = '';
try {
  await bundle(OUT);
  const server = await startServer(PORT, env);
  cleanups.push(() => server.kill('SIGTERM'));
  const token = liveServerRecord(PORT, env).browser_token;
  const frontServer = await startFront(OUT, page(token, HTTP));
  cleanups.push(() => frontServer.close());
  front = `http://127.0.0.1:${frontServer.address().port}/`;
  const browser = await launchChromium(['--js-flags=--expose-gc']);
  cleanups.unshift(() => browser.close());
  const browserCdp = await browser.newBrowserCDPSession();
  const load = [os.loadavg()[0]];
  const rounds = [];
  for (let r = 1; r <= ROUNDS; r++) {
    rounds.push(await round(browser, browserCdp, r));
    load.push(os.loadavg()[0]);
  }
  const pick = f => {
    const v = rounds.map(o => {
      try {
        return f(o); // a part skipped by ONLY has no figures
      } catch {
        return NaN;
      }
    });
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
    gridDriverMs: pick(o => o.gridDriverMs ?? NaN),
    gridLastThumbnailByteMs: pick(o => o.gridParts?.lastByteMs ?? NaN),
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
  if (REPORT) fs.writeFileSync(REPORT, markdown(summary) + '\n');
} finally {
  for (const c of cleanups) await Promise.resolve(c()).catch(() => {});
}
process.exit(0);

/** The summary's figures as a markdown table (for `npm run bench`'s report). */
function markdown(s) {
  const rows = [
    ['first well on screen after the server stored it, ms', s.firstWellMs],
    ["… a 256² plane's (baseline), ms", s.smallPlaneMs],
    ['… first well / small plane', s.firstWellOverSmallPlane],
    ['grid painted after clicking Grid, ms (page clock)', s.gridMs],
    ['… last api/thumbnails byte, ms', s.gridLastThumbnailByteMs],
    ['arrow key held: steps/s sent', s.scrubStepsPerS],
    ['… planes painted/s', s.scrubPaintedPerS],
    ['… requests aborted / drops', s.scrubAborted, s.scrubDrops],
    ['renderer RSS growth sweeping every well, peak MiB', s.rendererPeakGrowthMiB],
    ['… after the sweep and two GCs, MiB', s.rendererSettledGrowthMiB],
    ['GPU process RSS growth, peak MiB', s.gpuPeakGrowthMiB]
  ];
  const cell = x => (x ? `${x.median} (${x.min}–${x.max})` : 'not measured');
  return [
    `Viewer widget on a standalone page: ${s.plate}, ${s.rounds} round(s), load average (1 min) ${cell(s.loadAverage1m)}; plane cache ${s.budgetsMiB.planeCache} MiB, textures ${s.budgetsMiB.textures} MiB.`,
    '',
    '| figure | median (min–max) |',
    '| --- | --- |',
    ...rows.map(([what, ...xs]) => `| ${what} | ${xs.map(cell).join(' / ')} |`)
  ].join('\n');
}
