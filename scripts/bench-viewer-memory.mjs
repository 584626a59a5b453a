#!/usr/bin/env node
/**
 * Renderer memory of the viewer widget while it sweeps a plate, measured WITHOUT a DevTools
 * client: Debian Chromium started by this script (no CDP, no Network domain keeping
 * response bodies), against the same browser driven by Playwright (CDP attached, as
 * bench-viewer.mjs measures), alternating, each round a fresh browser.
 *
 *   node scripts/bench-viewer-memory.mjs [rounds=3] [wells=96] [channels=3] [size=1024]
 *
 * The page sweeps by itself: once every well is in the slider it shows each in turn until
 * it is on screen, and reports its phases to this script (POST /mark). The renderer's RSS
 * is read from /proc (every process of type renderer below this one), idle, peak during
 * the sweep, after it, and after two forced GCs. Both browsers get the same switches: the
 * plain one takes Playwright's own command line without --remote-debugging-pipe (and with
 * a startup window: the page). Data port
 * $PORT (default 24070; +1000, +3000), build lib/ first (`npx tsc -b`). Prints JSON.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
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
import { CHROMIUM, CHROMIUM_SWITCHES } from './bench-chromium.mjs';

const OUT = process.env.OUT ?? '/tmp/plv-bench-viewer-memory';
const PORT = Number(process.env.PORT ?? 24070);
const [ROUNDS, WELLS, CHANNELS, SIZE] = [3, 96, 3, 1024].map((d, i) =>
  Number(process.argv[2 + i] ?? d)
);
const { liveServerRecord, controlRequest } = await import(
  path.join(ROOT, 'lib/protocol/node/index.js')
);
const { DEFAULT_CACHE_BYTES } = await import(
  path.join(ROOT, 'lib/viewer-widget/model/plane-cache.js')
);
const MiB = 1024 * 1024;
const SWITCHES = ['--js-flags=--expose-gc', ...CHROMIUM_SWITCHES];
const WELL_NAMES = Array.from({ length: WELLS }, (_, i) => wellName(i));

/** The page's own sweep; it tells this script each phase (every wait bounded). */
const SWEEP = `
const mark = (phase, data = {}) =>
  fetch('/mark', { method: 'POST', body: JSON.stringify({ phase, ...data }) });
const waitFor = (cond, ms, what) => new Promise((resolve, reject) => {
  const end = performance.now() + ms;
  const tick = () => cond() ? resolve() : performance.now() > end
    ? reject(new Error(what + ' not reached within ' + ms + ' ms')) : setTimeout(tick, 16);
  tick();
});
const names = ${JSON.stringify(WELL_NAMES)};
const canvas = () => document.querySelector('[data-testid=pipeline-viewer-canvas]');
(async () => {
  try {
    await waitFor(() => widget.stats.status === 'connected', 15000, 'connected');
    await new Promise(r => setTimeout(r, 500));
    await mark('idle');
    await waitFor(() => document.querySelector('[data-testid=pipeline-viewer-slider-well]')
      ?.max === String(names.length - 1), 180000, 'every well in the slider');
    await new Promise(r => setTimeout(r, 1500));
    await mark('sweep');
    for (let i = 0; i < names.length; i++) {
      widget.model.dims.setIndex('well', i);
      await waitFor(() => canvas().dataset.loading === 'false' &&
        JSON.parse(canvas().dataset.position || '{}').well === names[i], 20000, 'well ' + names[i]);
    }
    await new Promise(r => setTimeout(r, 2000));
    await mark('swept', { cacheMiB: widget.model.cache.bytes / 1048576 });
    if (globalThis.gc) { gc(); gc(); }
    await new Promise(r => setTimeout(r, 1000));
    await mark('collected');
  } catch (e) {
    await mark('error', { message: String(e) });
  }
})();`;

/** pid → { ppid, cmd } of every process. */
function processes() {
  const out = new Map();
  for (const pid of fs.readdirSync('/proc').filter(d => /^\d+$/.test(d))) {
    try {
      const stat_ = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat_.slice(stat_.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      out.set(Number(pid), { ppid, cmd });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function descendants(root, procs = processes()) {
  const out = [];
  for (const [pid, p] of procs) {
    for (let q = p.ppid, n = 0; q > 1 && n < 20; q = procs.get(q)?.ppid ?? 0, n++)
      if (q === root) {
        out.push({ pid, ...p });
        break;
      }
  }
  return out;
}

function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** RSS of this script's renderer processes (one browser runs at a time). */
const rendererRss = () =>
  descendants(process.pid)
    .filter(p => p.cmd.join(' ').includes('--type=renderer')) // retitled: one string
    .reduce((s, p) => s + rssMiB(p.pid), 0);

/** Playwright's command line for Chromium, without its DevTools pipe and profile. */
async function playwrightSwitches() {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: SWITCHES });
  try {
    const main = descendants(process.pid).find(
      p => p.cmd[0] === '/usr/lib/chromium/chromium' && !p.cmd.some(a => a.startsWith('--type='))
    );
    if (!main) throw new Error('Playwright’s Chromium process not found under this script');
    return main.cmd
      .slice(1)
      .filter(
        a =>
          a &&
          !/^--(remote-debugging-pipe|user-data-dir=|no-startup-window)/.test(a) &&
          a !== 'about:blank'
      );
  } finally {
    await browser.close();
  }
}

const marks = [];
const waiters = [];
function routes(req, res) {
  if (req.url !== '/mark') return false;
  let body = '';
  req.on('data', d => (body += d));
  req.on('end', () => {
    const mark = { ...JSON.parse(body), at: performance.now() };
    marks.push(mark);
    for (const w of waiters.splice(0)) w();
    res.writeHead(204).end();
  });
  return true;
}

async function nextMark(phase, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const m = marks.find(x => x.phase === phase || x.phase === 'error');
    if (m?.phase === 'error') throw new Error(`page: ${m.message}`);
    if (m) return m;
    if (Date.now() > end) throw new Error(`page did not reach '${phase}' within ${ms} ms`);
    await Promise.race([new Promise(r => waiters.push(r)), sleep(500)]);
  }
}

async function round(driver, plainSwitches, url, env) {
  await controlRequest(PORT, { type: 'clear_state' }, { env, timeoutMs: 5000 });
  marks.length = 0;
  let close;
  if (driver === 'plain') {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-bench-mem-profile-'));
    const child = spawn(
      '/usr/lib/chromium/chromium',
      [...plainSwitches, `--user-data-dir=${profile}`, '--window-size=1000,760', url],
      { detached: true, stdio: 'ignore' }
    );
    close = async () => {
      // the whole group: the zygote and renderers write the profile until they are gone
      const group = sig => {
        try {
          process.kill(-child.pid, sig);
        } catch {
          // gone
        }
      };
      group('SIGTERM');
      await Promise.race([new Promise(r => child.once('exit', r)), sleep(10000)]);
      group('SIGKILL');
      await sleep(500);
      fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    };
  } else {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: SWITCHES });
    const ctx = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    await (await ctx.newPage()).goto(url);
    close = () => browser.close();
  }
  const socket = new zmq.Dealer({ linger: 0 });
  socket.connect(`tcp://127.0.0.1:${PORT}`);
  try {
    await nextMark('idle', 30000);
    const idle = rendererRss();
    for (let i = 0; i < WELLS; i++) await sendWell(socket, wellName(i), i, CHANNELS, SIZE);
    await nextMark('sweep', 60000);
    let peak = 0;
    while (!marks.some(m => m.phase === 'swept' || m.phase === 'error')) {
      peak = Math.max(peak, rendererRss());
      await sleep(200);
    }
    const swept = await nextMark('swept', 1000);
    const settled = rendererRss();
    await nextMark('collected', 30000);
    return {
      driver,
      idleMiB: idle,
      peakGrowthMiB: peak - idle,
      settledGrowthMiB: settled - idle,
      afterGcGrowthMiB: rendererRss() - idle,
      cacheMiB: swept.cacheMiB
    };
  } finally {
    socket.close();
    await close();
  }
}

const cleanups = [];
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-bench-mem-'));
cleanups.push(() => fs.rmSync(home, { recursive: true, force: true }));
const env = { ...process.env, PIPELINE_VIEWER_HOME: home };
try {
  fs.mkdirSync(OUT, { recursive: true });
  await bundle(OUT);
  const server = await startServer(PORT, env);
  cleanups.unshift(() => server.kill('SIGTERM'));
  const token = liveServerRecord(PORT, env).browser_token;
  const front = await startFront(OUT, page(token, PORT + 3000, SWEEP), routes);
  cleanups.unshift(() => front.close());
  const url = `http://127.0.0.1:${front.address().port}/`;
  const plainSwitches = await playwrightSwitches();
  const load = [os.loadavg()[0]];
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const driver of r % 2 ? ['playwright', 'plain'] : ['plain', 'playwright']) {
      rounds.push(await round(driver, plainSwitches, url, env));
      console.error(JSON.stringify(rounds.at(-1))); // partial results survive a failure
      load.push(os.loadavg()[0]);
    }
  }
  const of = (driver, f) => stat(rounds.filter(o => o.driver === driver).map(f));
  const plain = rounds.filter(o => o.driver === 'plain');
  const pw = rounds.filter(o => o.driver === 'playwright');
  const summary = {
    plate: `${WELLS} wells × ${CHANNELS} channels × ${SIZE}² uint16`,
    rounds: ROUNDS,
    loadAverage1m: stat(load),
    planeCacheMiB: DEFAULT_CACHE_BYTES / MiB,
    ...Object.fromEntries(
      ['plain', 'playwright'].map(d => [
        d,
        {
          peakGrowthMiB: of(d, o => o.peakGrowthMiB),
          settledGrowthMiB: of(d, o => o.settledGrowthMiB),
          afterGcGrowthMiB: of(d, o => o.afterGcGrowthMiB),
          idleMiB: of(d, o => o.idleMiB),
          cacheMiB: of(d, o => o.cacheMiB)
        }
      ])
    ),
    peakPlainOverPlaywright: stat(plain.map((o, i) => o.peakGrowthMiB / pw[i].peakGrowthMiB)),
    switches: plainSwitches,
    rounds_: rounds
  };
  fs.writeFileSync(path.join(OUT, 'bench-viewer-memory.json'), JSON.stringify(summary, null, 2));
  console.log(JSON.stringify(summary, null, 2));
} finally {
  for (const c of cleanups) await Promise.resolve(c()).catch(() => {});
}
process.exit(0);
