/**
 * Page side of scripts/bench-panel.mjs: functions run in JupyterLab's page by Playwright
 * (each self-contained: Playwright sends its source). `window.bench` records the planes the
 * docked panel paints, with the page's epoch time (performance.timeOrigin + now()).
 */

/** Bounded waitForFunction with a message saying what was awaited. */
export const wait = (pg, fn, arg, ms, what) =>
  pg.waitForFunction(fn, arg, { timeout: ms, polling: 'raf' }).catch(e => {
    throw new Error(
      `bench-panel: ${what} not reached within ${ms} ms (${e.message.split('\n')[0]})`
    );
  });

/**
 * Opens the panel of `port`, follows the newest plane, and records each new plane painted.
 * `maxPixelRatio` caps the canvas' device pixel ratio, `previewPx` sets the first request's
 * size (0: none): the variants docs/benchmarks.md measures (null: the widget's defaults).
 */
export async function openAndInstrument({ port, maxPixelRatio, previewPx }) {
  const app = window.jupyterapp;
  await app.restored;
  await app.commands.execute('pipeline-viewer:open', { port });
  const view = () =>
    [...app.shell.widgets('main')].find(x => x.id === `pipeline-viewer-${port}`)?.content;
  performance.setResourceTimingBufferSize(1e6);
  const seen = new WeakSet();
  const b = (window.bench = {
    paints: [],
    eventAt: null,
    view,
    reset() {
      b.paints = [];
      b.eventAt = null;
      performance.clearResourceTimings();
    },
    /** false until `well` is painted at full resolution; then the figures of that plane. */
    fullyPainted(well) {
      const mine = b.paints.filter(p => p.values.includes(well));
      const full = mine.find(p => p.level === 0);
      if (!full) return false;
      const entries = performance
        .getEntriesByType('resource')
        .filter(e => e.name.includes('api/plane?'))
        .map(e => {
          const q = new URL(e.name).searchParams;
          return { e, at: Object.values(JSON.parse(q.get('at'))), max: Number(q.get('max')) };
        })
        .filter(x => x.at.includes(well));
      const fullEntry = entries.find(x => x.max >= full.size);
      if (!fullEntry) return false; // its timing entry lands after the body is read
      const epoch = t => performance.timeOrigin + t;
      const panelSize = view().session.wantedSize(full.size);
      const panel = mine.find(p => p.size >= panelSize || p.level === 0);
      const bytesUntil = t =>
        entries
          .filter(x => epoch(x.e.responseEnd) <= t)
          .reduce((s, x) => s + x.e.encodedBodySize, 0);
      return {
        firstPaint: mine[0].t,
        panelPaint: panel.t,
        fullPaint: full.t,
        panelSize,
        eventAt: b.eventAt ?? NaN,
        firstRequest: Math.min(...entries.map(x => epoch(x.e.startTime))),
        fullRequest: epoch(fullEntry.e.startTime),
        fullUrl: fullEntry.e.name,
        fullBytes: fullEntry.e.encodedBodySize,
        bytesToPanel: bytesUntil(panel.t),
        bytesToFull: bytesUntil(full.t),
        requests: entries.map(x => ({
          max: x.max,
          sent: epoch(x.e.startTime),
          end: epoch(x.e.responseEnd),
          bytes: x.e.encodedBodySize
        }))
      };
    }
  });
  const session = view().session;
  // when the panel hears of the plane (the server flushes events every 50 ms or sooner)
  session.connection.eventReceived.connect((_, event) => {
    if (event.type !== 'stats' && b.eventAt === null)
      b.eventAt = performance.timeOrigin + performance.now();
  });
  const note = session.notePainted.bind(session);
  session.notePainted = () => {
    note();
    const t = performance.timeOrigin + performance.now();
    for (const plane of session.shown.values()) {
      if (seen.has(plane)) continue;
      seen.add(plane);
      b.paints.push({
        t,
        values: plane.values,
        level: plane.level,
        size: Math.max(...plane.shape)
      });
    }
  };
  if (maxPixelRatio !== null) view()._canvas.maxPixelRatio = maxPixelRatio;
  if (previewPx !== null) session.previewPx = previewPx;
  view().model.dims.setFollowNewest(true);
}

/**
 * Baselines right after a plane was painted: a bare fetch (body read whole) of its
 * full-resolution `api/plane` response with the panel's token, and of a static file of the
 * same size behind the same proxy; `staticFirst` alternates the order.
 */
export async function bareFetches({ url, staticUrl, staticFirst }) {
  const base = JSON.parse(document.getElementById('jupyter-config-data').textContent).baseUrl;
  const withToken = window.bench.view().session.connection.fetch;
  const time = async (f, u) => {
    const t0 = performance.now();
    const res = await f(u, { cache: 'no-store' });
    if (!res.ok) throw new Error(`bare fetch of ${u}: HTTP ${res.status}`);
    const bytes = (await res.arrayBuffer()).byteLength;
    return { ms: performance.now() - t0, bytes };
  };
  const plane = () => time(withToken, url);
  const file = () => time(fetch, base + staticUrl);
  const [a, b] = staticFirst ? [await file(), await plane()] : [await plane(), await file()];
  const [p, s] = staticFirst ? [b, a] : [a, b];
  return { bareMs: p.ms, bareBytes: p.bytes, staticMs: s.ms, staticBytes: s.bytes };
}

/** Shows each well once (so its plane is in the browser at the size this page needs). */
export async function showEach({ wells, ms }) {
  const view = window.bench.view();
  const dims = view.model.dims;
  const axis = dims.axis('well');
  for (const well of wells) {
    dims.setIndex('well', axis.values.indexOf(well));
    const t0 = performance.now();
    for (;;) {
      const shown = [...view.session.shown.values()].find(p => p.values.includes(well));
      const full = shown && [...view.model.layers].find(l => l.key === shown.layer);
      const need =
        full && view.session.wantedSize(Math.max(full.info.shape[0], full.info.shape[1]));
      if (shown && !view.session.loading && Math.max(...shown.shape) >= need) break;
      if (performance.now() - t0 > ms) throw new Error(`well ${well} not shown within ${ms} ms`);
      await new Promise(r => requestAnimationFrame(r));
    }
  }
}

/**
 * Moves the well slider one step per animation frame over `wells` for `ms`; planes put on
 * screen, slider steps and canvas frames per second.
 */
export function scrubFor({ wells, ms }) {
  const view = window.bench.view();
  const dims = view.model.dims;
  const axis = dims.axis('well');
  const indices = wells.map(w => axis.values.indexOf(w)).filter(i => i >= 0);
  const canvas = view.node.querySelector('[data-testid=pipeline-viewer-canvas]');
  const frames = n =>
    new Promise(resolve => {
      const t0 = performance.now();
      let left = n;
      const tick = () =>
        --left > 0 ? requestAnimationFrame(tick) : resolve(performance.now() - t0);
      requestAnimationFrame(tick);
    });
  // where the main thread's time goes: the canvas paints, and tasks over 50 ms
  const canvasView = view._canvas;
  const paint = canvasView.paint;
  let paintMs = 0;
  canvasView.paint = function () {
    const t = performance.now();
    paint.call(this);
    paintMs += performance.now() - t;
  };
  let longMs = 0;
  const long = new PerformanceObserver(list => {
    for (const e of list.getEntries()) longMs += e.duration;
  });
  long.observe({ type: 'longtask' });
  return (async () => {
    // the page's frame rate with nothing moving: the display rate this run can reach
    const idleFps = 30 / ((await frames(30)) / 1000);
    const shown0 = view.session.planesShown;
    const frame0 = Number(canvas.dataset.frame);
    paintMs = 0;
    longMs = 0;
    const out = await new Promise(resolve => {
      let steps = 0;
      const t0 = performance.now();
      const tick = () => {
        const s = (performance.now() - t0) / 1000;
        if (s * 1000 >= ms) {
          const painted = Number(canvas.dataset.frame) - frame0;
          resolve({
            planesPerS: (view.session.planesShown - shown0) / s,
            stepsPerS: steps / s,
            framesPerS: painted / s,
            idleFps,
            paintMsPerFrame: paintMs / Math.max(1, painted),
            longTaskShare: longMs / (s * 1000),
            dpr: devicePixelRatio,
            canvasPx: [canvas.width, canvas.height]
          });
          return;
        }
        dims.setIndex('well', indices[steps % indices.length]);
        steps++;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    long.disconnect();
    canvasView.paint = paint;
    return out;
  })();
}
