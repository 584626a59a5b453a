/**
 * The browser half of bench-scale.mjs: the real viewer widget on a standalone page in Debian
 * Chromium (playwright-core; bench-viewer-harness.mjs serves the page and proxies to the
 * server), scrubbing across every well of the plate while this script samples the page's JS
 * heap (CDP Runtime.getHeapUsage) and the renderer processes' RSS (/proc) every 200 ms.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundle, page, sleep, startFront } from './bench-viewer-harness.mjs';
import { launchChromium } from './bench-chromium.mjs';

const MiB = 2 ** 20;

function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0; // gone meanwhile
  }
}

/**
 * The page's sweep: well i with channel i mod channels, each until the canvas shows it
 * whole (every wait bounded). Resolves with the wells shown, in order.
 */
async function sweepInPage({ names, channels, perWellMs }) {
  const canvas = () => document.querySelector('[data-testid=pipeline-viewer-canvas]');
  const waitFor = (cond, ms, what) =>
    new Promise((resolve, reject) => {
      const end = performance.now() + ms;
      const tick = () =>
        cond()
          ? resolve()
          : performance.now() > end
            ? reject(new Error(`${what} not reached within ${ms} ms`))
            : setTimeout(tick, 16);
      tick();
    });
  const shown = [];
  for (let i = 0; i < names.length; i++) {
    window.widget.model.dims.setIndex('well', i);
    if (channels > 1) window.widget.model.dims.setIndex('channel', i % channels);
    await waitFor(
      () =>
        canvas().dataset.loading === 'false' &&
        JSON.parse(canvas().dataset.position || '{}').well === names[i],
      perWellMs,
      `well ${names[i]} on screen`
    );
    shown.push(names[i]);
  }
  return shown;
}

/**
 * Opens the widget on `port`'s server (browser token `token`), waits for every well in the
 * slider, sweeps them and returns the heap and renderer figures in MiB.
 */
export async function scrubWells({ out, port, token, names, channels }) {
  fs.mkdirSync(out, { recursive: true });
  await bundle(out);
  const front = await startFront(out, page(token, port + 3000));
  const browser = await launchChromium();
  try {
    const browserCdp = await browser.newBrowserCDPSession();
    const rendererRss = async () => {
      const { processInfo } = await browserCdp.send('SystemInfo.getProcessInfo');
      return processInfo.filter(p => p.type === 'renderer').reduce((s, p) => s + rssMiB(p.id), 0);
    };
    const ctx = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    const pg = await ctx.newPage();
    const errors = [];
    pg.on('pageerror', e => errors.push(e.message));
    const cdp = await ctx.newCDPSession(pg);
    await pg.goto(`http://127.0.0.1:${front.address().port}/`);
    await pg.waitForFunction(() => window.widget?.stats.status === 'connected', null, {
      timeout: 30_000
    });
    const slider = () =>
      document.querySelector('[data-testid=pipeline-viewer-slider-well]')?.max ?? 'absent';
    await pg
      .waitForFunction(
        n =>
          document.querySelector('[data-testid=pipeline-viewer-slider-well]')?.max ===
          String(n - 1),
        names.length,
        { timeout: 120_000 }
      )
      .catch(async () => {
        throw new Error(
          `the well slider did not reach ${names.length} wells within 120 s (its max: ${await pg.evaluate(slider)})`
        );
      });
    // The JS heap plus ArrayBuffer backing stores (where the plane cache's pixels live;
    // usedSize alone leaves them out), as Chromium's CDP reports them.
    const heap = async () => {
      const u = await cdp.send('Runtime.getHeapUsage');
      return (u.usedSize + (u.backingStorageSize ?? NaN)) / MiB;
    };
    const idle = { heapMiB: await heap(), rendererMiB: await rendererRss() };
    const peak = { ...idle };
    const t0 = performance.now();
    let done = false;
    const sweep = pg
      .evaluate(sweepInPage, { names, channels, perWellMs: 30_000 })
      .finally(() => (done = true));
    while (!done) {
      const [h, r] = await Promise.all([heap(), rendererRss()]);
      peak.heapMiB = Math.max(peak.heapMiB, h);
      peak.rendererMiB = Math.max(peak.rendererMiB, r);
      await Promise.race([sweep.catch(() => undefined), sleep(200)]);
    }
    const shown = await sweep;
    const seconds = (performance.now() - t0) / 1000;
    if (shown.length !== names.length || errors.length > 0)
      throw new Error(
        `sweep showed ${shown.length} of ${names.length} wells; page errors: ${errors.join('; ') || 'none'}`
      );
    return {
      idle,
      peak,
      end: { heapMiB: await heap(), rendererMiB: await rendererRss() },
      wellsPerS: names.length / seconds,
      seconds
    };
  } finally {
    await browser.close();
    front.close();
    fs.rmSync(path.join(out, 'viewer-widget.js'), { force: true });
  }
}
