#!/usr/bin/env node
/**
 * Standalone browser check of the viewer widget in Debian Chromium (SwiftShader WebGL2),
 * outside JupyterLab: bundles lib/viewer-widget with webpack, serves a page that reaches
 * a REAL viewer server through a local reverse proxy at /proxy/<port>/ (like
 * jupyter-server-proxy, WebSocket included), streams images into the server over ZeroMQ,
 * and checks what is drawn. Writes screenshots and a JSON of measured figures to
 * $OUT (default /tmp/plv-widget-check). DPR=2 runs at devicePixelRatio 2; THEME=dark uses
 * dark JupyterLab colour variables.
 *
 *   npx tsc -b && node tests/viewer-widget/browser/check.mjs
 *
 * Data port 20210 (the widget's range is 20200–20299). Every wait is bounded.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import webpack from 'webpack';
import { chromium } from 'playwright-core';
import * as zmq from 'zeromq';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const OUT = process.env.OUT ?? '/tmp/plv-widget-check';
const PORT = 20210;
const HTTP = PORT + 3000;
const { encodeBatch } = await import(path.join(ROOT, 'lib/protocol/codec.js'));
const { ping, liveServerRecord } = await import(path.join(ROOT, 'lib/protocol/node/index.js'));
/** The server's browser token (from its record), sent by the widget on every request. */
let browserToken = '';

fs.mkdirSync(OUT, { recursive: true });
const cleanups = [];
const results = {};
const failures = [];
function check(name, ok, detail) {
  console.log(
    `${ok ? 'ok  ' : 'FAIL'} ${name}${detail !== undefined ? `: ${JSON.stringify(detail)}` : ''}`
  );
  if (!ok) failures.push(name);
}
const timeout = (ms, what) =>
  new Promise((_, reject) => setTimeout(() => reject(new Error(`timeout: ${what}`)), ms).unref());

async function bundle() {
  const compiler = webpack({
    mode: 'production',
    target: 'web',
    entry: path.join(ROOT, 'lib/viewer-widget/index.js'),
    output: { path: OUT, filename: 'viewer-widget.js', library: { name: 'PLV', type: 'window' } },
    devtool: false,
    performance: { hints: false }
  });
  const stats = await new Promise((resolve, reject) =>
    compiler.run((err, s) => (err ? reject(err) : resolve(s)))
  );
  if (stats.hasErrors()) throw new Error(stats.toString('errors-only'));
  return fs.statSync(path.join(OUT, 'viewer-widget.js')).size;
}

function page() {
  const css = fs.readFileSync(path.join(ROOT, 'style/viewer.css'), 'utf8');
  return `<!doctype html><html><head><meta charset="utf-8"><style>
  :root { --jp-layout-color1:#fff; --jp-layout-color2:#eee; --jp-ui-font-color1:#000; --jp-ui-font-color2:#555;
          --jp-border-color1:#999; --jp-border-color2:#ccc; --jp-border-width:1px; --jp-brand-color1:#1976d2;
          --jp-ui-font-family:sans-serif; --jp-code-font-family:monospace; --jp-ui-font-size1:13px; --jp-code-font-size:12px; }
  ${process.env.THEME === 'dark' ? ':root { --jp-layout-color1:#111; --jp-layout-color2:#222; --jp-ui-font-color1:#ddd; --jp-ui-font-color2:#999; --jp-border-color1:#666; --jp-border-color2:#444; --jp-input-background:#2a2a2a; }' : ''}
  html, body { margin:0; height:100%; }
  #host { position:absolute; left:0; top:0; width:900px; height:640px; }
  ${css}</style></head><body><div id="host"></div><script src="viewer-widget.js"></script><script>
  const widget = new PLV.PipelineViewerWidget({ baseUrl: '/proxy/${HTTP}/', token: ${JSON.stringify(browserToken)}, followNewest: true });
  widget.node.style.position = 'absolute'; widget.node.style.inset = '0';
  window.widget = widget;
  PLV_attach();
  function PLV_attach() { document.getElementById('host').appendChild(widget.node); widget.processMessage({ type: 'after-attach', isConflatable: false }); }
  </script></body></html>`;
}

/** Static page + bundle, and /proxy/<port>/… forwarded to 127.0.0.1:<port> (HTTP and WebSocket). */
function startFrontServer() {
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
        r => {
          res.writeHead(r.statusCode, r.headers);
          r.pipe(res);
        }
      );
      up.on('error', () => res.writeHead(502).end());
      req.pipe(up);
      return;
    }
    if (req.url === '/viewer-widget.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      fs.createReadStream(path.join(OUT, 'viewer-widget.js')).pipe(res);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end(page());
  });
  server.on('upgrade', (req, socket, head) => {
    const m = /^\/proxy\/(\d+)(\/.*)$/.exec(req.url);
    if (!m) return socket.destroy();
    const up = net.connect(Number(m[1]), '127.0.0.1', () => {
      const lines = [
        `${req.method} ${m[2]} HTTP/1.1`,
        ...Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`),
        '',
        ''
      ];
      up.write(lines.join('\r\n'));
      up.write(head);
      socket.pipe(up).pipe(socket);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Data port 20210: P+3000 stays below Linux's ephemeral port range. */
async function startViewerServer(home) {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'lib/viewer-server/main.js'), '--port', String(PORT)],
    {
      env: { ...process.env, PIPELINE_VIEWER_HOME: home },
      stdio: ['ignore', 'ignore', 'inherit']
    }
  );
  cleanups.push(() => child.kill('SIGTERM'));
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    if (await ping(PORT, { timeoutMs: 300 })) return child;
    if (child.exitCode !== null) break;
    await new Promise(r => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('viewer server did not start');
}

async function send(images, buffers, extra = {}) {
  const socket = new zmq.Dealer({ linger: 0, receiveTimeout: 10000, sendTimeout: 10000 });
  socket.connect(`tcp://127.0.0.1:${PORT}`);
  await socket.send(encodeBatch({ type: 'batch', images, ...extra }, buffers));
  const reply = await socket.receive();
  socket.close();
  return JSON.parse(Buffer.from(reply[reply.length - 1]).toString());
}

/** A disc on a gradient, different per seed, so planes are told apart by their pixels. */
function picture(h, w, seed, Ctor = Uint16Array, scale = 60000) {
  const data = new Ctor(h * w);
  const cx = w * (0.3 + 0.1 * (seed % 5));
  const cy = h * 0.5;
  const r = Math.min(h, w) * 0.2;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const inside = (x - cx) ** 2 + (y - cy) ** 2 < r * r;
      data[y * w + x] = (inside ? 0.9 : 0.15 * (x / w)) * scale;
    }
  return data;
}
const u8 = a => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

async function main() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-widget-browser-'));
  cleanups.push(() => fs.rmSync(home, { recursive: true, force: true }));
  results.bundleBytes = await bundle();
  await startViewerServer(home);
  browserToken = liveServerRecord(PORT, { ...process.env, PIPELINE_VIEWER_HOME: home }).browser_token;
  const front = await startFrontServer();
  cleanups.push(() => front.close());
  const origin = `http://127.0.0.1:${front.address().port}`;

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync'
    ]
  });
  cleanups.unshift(() => browser.close());
  const pageObj = await browser.newPage({
    viewport: { width: 900, height: 640 },
    deviceScaleFactor: Number(process.env.DPR ?? 1)
  });
  const errors = [];
  pageObj.on('pageerror', e => errors.push(e.message));
  pageObj.on('console', m => m.type() === 'error' && errors.push(m.text()));
  await pageObj.goto(origin);
  await pageObj.waitForFunction(() => window.widget.stats.status === 'connected', null, {
    timeout: 15000
  });
  check('connected through the proxy', true);
  // Steps 1–3 drive one channel at a time in gray; the composite (the default) is covered by
  // ui-tests/tests/channels-composite.spec.ts.
  const gray = { visible: true, colormap: 'gray', contrastLimits: null, gamma: 1 };
  await pageObj.evaluate(
    gray => window.widget.restore({ channelMode: 'single', channels: { DAPI: gray, GFP: gray } }),
    gray
  );

  // 1. uint16, two wells × two channels in one layer
  const H = 512,
    W = 768;
  const imgs = [],
    bufs = [];
  for (const [wi, well] of ['A01', 'B02'].entries())
    for (const ch of [1, 2]) {
      bufs.push(u8(picture(H, W, wi * 2 + ch)));
      imgs.push({
        path: `${well}_w${ch}.tif`,
        shape: [H, W],
        dtype: 'uint16',
        image_id: `${well}${ch}`,
        frame: bufs.length,
        metadata: { source: 'Raw', well, site: 1, channel: ch, z_index: 2 }
      });
    }
  await send(imgs, bufs, { component_names_metadata: { channel: { 1: 'DAPI', 2: 'GFP' } } });
  const frameAfter = async n =>
    pageObj.waitForFunction(
      n =>
        Number(document.querySelector('[data-testid=pipeline-viewer-canvas]').dataset.frame) > n &&
        document.querySelector('[data-testid=pipeline-viewer-canvas]').dataset.loading === 'false',
      n,
      { timeout: 15000 }
    );
  await frameAfter(0);
  await pageObj.waitForTimeout(300);
  const overlay1 = await pageObj.textContent('[data-testid=pipeline-viewer-overlay]');
  check(
    'overlay follows the newest plane',
    overlay1 === 'Well B02 | Site 1 | Ch2: GFP | Z 2',
    overlay1
  );
  await pageObj.screenshot({ path: path.join(OUT, '1-uint16-gray.png') });

  const sample = () =>
    pageObj.evaluate(() => {
      const c = document.querySelector('[data-testid=pipeline-viewer-canvas]');
      const tmp = document.createElement('canvas');
      tmp.width = c.width;
      tmp.height = c.height;
      const g = tmp.getContext('2d');
      g.drawImage(c, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      let sum = 0,
        max = 0,
        r = 0,
        gsum = 0,
        b = 0;
      for (let i = 0; i < d.length; i += 4) {
        sum += d[i] + d[i + 1] + d[i + 2];
        max = Math.max(max, d[i], d[i + 1], d[i + 2]);
        r += d[i];
        gsum += d[i + 1];
        b += d[i + 2];
      }
      const n = d.length / 4;
      return {
        mean: sum / n / 3,
        max,
        r: r / n,
        g: gsum / n,
        b: b / n,
        hash: Array.from(d.filter((_, i) => i % 4099 === 0)).join(',')
      };
    });
  const s1 = await sample();
  check(
    'uint16 plane drawn (non-black, gray)',
    s1.max > 200 && Math.abs(s1.r - s1.g) < 1 && Math.abs(s1.g - s1.b) < 1,
    { max: s1.max, mean: s1.mean.toFixed(1) }
  );

  // 2. slider move: overlay and pixels change
  const frame0 = Number(
    await pageObj.getAttribute('[data-testid=pipeline-viewer-canvas]', 'data-frame')
  );
  await pageObj.locator('[data-testid=pipeline-viewer-slider-well]').fill('0');
  await frameAfter(frame0);
  await pageObj.waitForTimeout(200);
  const overlay2 = await pageObj.textContent('[data-testid=pipeline-viewer-overlay]');
  const s2 = await sample();
  check('slider move changes overlay', overlay2 === 'Well A01 | Site 1 | Ch2: GFP | Z 2', overlay2);
  check('slider move changes pixels', s2.hash !== s1.hash);
  await pageObj.screenshot({ path: path.join(OUT, '2-after-slider.png') });

  // 2b. arrow keys step the axis last used (the well slider)
  await pageObj.locator('[data-testid=pipeline-viewer-canvas]').click();
  await pageObj.keyboard.press('ArrowRight');
  const overlayKey = await pageObj.textContent('[data-testid=pipeline-viewer-overlay]');
  check('→ key steps the last used axis', overlayKey.startsWith('Well B02'), overlayKey);
  await pageObj.keyboard.press('ArrowLeft');

  // 3. colormap + contrast from the layer panel
  await pageObj.selectOption(
    '[data-testid=pipeline-viewer-layer-source_Raw] [data-channel=GFP] .jp-PipelineViewer-channel-colormap',
    'viridis'
  );
  await pageObj.waitForTimeout(200);
  const s3 = await sample();
  check(
    'viridis colormap applied (not gray)',
    Math.abs(s3.g - s3.b) > 2 || Math.abs(s3.r - s3.g) > 2,
    { r: s3.r.toFixed(1), g: s3.g.toFixed(1), b: s3.b.toFixed(1) }
  );
  await pageObj.screenshot({ path: path.join(OUT, '3-viridis.png') });

  // 4. additive composite of float32 and uint8 layers (channel in slice mode)
  const imgs2 = [],
    bufs2 = [];
  bufs2.push(u8(picture(256, 256, 1, Float32Array, 1.0)));
  imgs2.push({
    path: 'c1.tif',
    shape: [256, 256],
    dtype: 'float32',
    image_id: 'f1',
    frame: 1,
    metadata: { source: 'Comp', well: 'A01', channel: 1 }
  });
  await send(imgs2, bufs2, {
    display_config: { component_modes: { channel: 'slice' }, colormap: 'magenta' }
  });
  const bufs3 = [u8(picture(256, 256, 3, Uint8Array, 255))];
  await send(
    [
      {
        path: 'c2.tif',
        shape: [256, 256],
        dtype: 'uint8',
        image_id: 'u1',
        frame: 1,
        metadata: { source: 'Comp', well: 'A01', channel: 2 }
      }
    ],
    bufs3,
    { display_config: { component_modes: { channel: 'slice' }, colormap: 'green' } }
  );
  await pageObj.waitForFunction(
    () => document.querySelectorAll('[data-testid^=pipeline-viewer-layer-]').length >= 3,
    null,
    { timeout: 10000 }
  );
  const keys = await pageObj.evaluate(() =>
    [...document.querySelectorAll('[data-layer-key]')].map(e => e.getAttribute('data-layer-key'))
  );
  results.layers = keys;
  await pageObj.evaluate(() => {
    for (const l of window.widget.model.layers) if (!l.key.includes('channel')) l.visible = false;
    window.widget.model.dims.setIndex('well', 0);
  });
  await pageObj.waitForTimeout(800);
  const s4 = await sample();
  await pageObj.screenshot({ path: path.join(OUT, '4-composite-float32-uint8.png') });
  check(
    'additive composite shows magenta and green (float32 + uint8)',
    s4.r > 1 && s4.g > 1 && s4.b > 1,
    { r: s4.r.toFixed(1), g: s4.g.toFixed(1), b: s4.b.toFixed(1) }
  );

  // 5. pixel readout under the cursor
  const box = await pageObj.locator('[data-testid=pipeline-viewer-canvas]').boundingBox();
  // the centre of the composite layers' image (camera: image point → canvas point)
  const at = await pageObj.evaluate(() => {
    const c = window.widget._canvas.camera;
    const cv = document.querySelector('[data-testid=pipeline-viewer-canvas]');
    return [
      (100 - c.centerX) * c.zoom + cv.clientWidth / 2,
      (128 - c.centerY) * c.zoom + cv.clientHeight / 2
    ];
  });
  await pageObj.mouse.move(box.x + at[0], box.y + at[1]);
  const readout = await pageObj.textContent('[data-testid=pipeline-viewer-readout]');
  check('pixel readout under the cursor', /^\[y, x\] \[\d+, \d+\] · .*channel/.test(readout), readout);

  // 6. screenshot API
  const png = await pageObj.evaluate(async () => {
    const b = await window.widget.screenshot();
    const a = new Uint8Array(await b.arrayBuffer());
    return { type: b.type, size: b.size, sig: Array.from(a.slice(1, 4)) };
  });
  check(
    'screenshot() gives a PNG',
    png.type === 'image/png' && String.fromCharCode(...png.sig) === 'PNG',
    png
  );

  // 6b. a lost WebGL context is rebuilt and the image comes back
  const lost = await pageObj.evaluate(async () => {
    const cv = window.widget._canvas;
    const ext = cv._renderer.gl.getExtension('WEBGL_lose_context');
    ext.loseContext();
    await new Promise(r => setTimeout(r, 200));
    const whileLost = cv._renderer === null;
    ext.restoreContext();
    const t = performance.now();
    while (!cv._renderer && performance.now() - t < 5000) await new Promise(r => setTimeout(r, 50));
    await new Promise(r => setTimeout(r, 300));
    return { whileLost, rebuilt: !!cv._renderer };
  });
  const afterLoss = await sample();
  check(
    'WebGL context loss: renderer rebuilt, image drawn again',
    lost.whileLost && lost.rebuilt && afterLoss.max > 100,
    { ...lost, max: afterLoss.max }
  );

  // 7. first view of a new 2048² uint16 image, following newest (send → painted)
  await pageObj.evaluate(() => {
    for (const l of window.widget.model.layers) l.visible = l.key === 'source_Big';
    window.widget.model.dims.setFollowNewest(true);
  });
  const firstView = [];
  const breakdown = [];
  for (let i = 0; i < 7; i++) {
    const big = u8(picture(2048, 2048, i));
    const well = `C${String(i + 1).padStart(2, '0')}`;
    await pageObj.evaluate(well => {
      const w = window.widget;
      window.__log = [];
      window.__well = well;
      if (!window.__hooked) {
        window.__hooked = true;
        const load = w.session.loader.load.bind(w.session.loader);
        w.session.loader.load = req => {
          if (req.values[0] !== window.__well) return load(req);
          window.__log.push({ t: Date.now(), k: 'request', max: req.max });
          const p = load(req);
          p.then(
            pl =>
              window.__log.push({
                t: Date.now(),
                k: 'fetched',
                level: pl.level,
                bytes: pl.data.byteLength
              }),
            () => {}
          );
          return p;
        };
        const cv = w._canvas;
        const paint = cv.paint.bind(cv);
        cv.paint = () => {
          paint();
          const p = w.session.shown.get('source_Big');
          if (p && p.values[0] === window.__well)
            window.__log.push({ t: Date.now(), k: 'painted', level: p.level });
        };
        w.model.planeUpdated.connect(
          (_, n) =>
            n.values[0] === window.__well && window.__log.push({ t: Date.now(), k: 'event' })
        );
      }
    }, well);
    const t0 = Date.now();
    const reply = send(
      [
        {
          path: `big${i}.tif`,
          shape: [2048, 2048],
          dtype: 'uint16',
          image_id: `big${i}`,
          frame: 1,
          metadata: { source: 'Big', well: `C${String(i + 1).padStart(2, '0')}` }
        }
      ],
      [big]
    ).then(() => Date.now());
    await pageObj.waitForFunction(() => window.__log.some(e => e.k === 'painted'), null, {
      timeout: 15000
    });
    firstView.push(
      (await pageObj.evaluate(() => window.__log.find(e => e.k === 'painted').t)) - t0
    );
    const replied = await reply;
    await pageObj.waitForTimeout(400); // let the panel-sized refinement land too
    const log = await pageObj.evaluate(() => window.__log);
    breakdown.push({ reply: replied - t0, log: log.map(e => ({ ...e, t: e.t - t0 })) });
  }
  firstView.sort((a, b) => a - b);
  results.firstView2048_ms = {
    p50: firstView[Math.floor(firstView.length / 2)],
    all: firstView,
    note: 'from the ZeroMQ send of the 8 MiB plane to the first paint of it (server store + event + preview fetch + texture upload + draw)'
  };
  results.firstViewBreakdown_ms = breakdown;
  results.shownLevel = await pageObj.evaluate(() => {
    const p = window.widget.session.shown.get('source_Big');
    return { level: p.level, shape: p.shape };
  });

  // 8. scrubbing over cached planes: steps per second, each step painted
  const scrub = await pageObj.evaluate(async () => {
    const w = window.widget;
    const c = document.querySelector('[data-testid=pipeline-viewer-canvas]');
    const n = w.model.dims.axis('well').values.length;
    // warm the cache: visit every well once
    for (let i = 0; i < n; i++) {
      w.model.dims.setIndex('well', i);
      const t = performance.now();
      while (w.session.loading && performance.now() - t < 5000)
        await new Promise(r => setTimeout(r, 10));
    }
    await new Promise(r => setTimeout(r, 300));
    const canvasView = w._canvas;
    const paint = canvasView.paint.bind(canvasView);
    const drawMs = [];
    canvasView.paint = () => {
      const t = performance.now();
      paint();
      drawMs.push(performance.now() - t);
    };
    const frames0 = Number(c.dataset.frame);
    const t0 = performance.now();
    let steps = 0;
    while (performance.now() - t0 < 3000) {
      w.model.dims.step('well', 1);
      await new Promise(r => requestAnimationFrame(() => r()));
      steps++;
    }
    const secs = (performance.now() - t0) / 1000;
    drawMs.sort((a, b) => a - b);
    const level = w.session.shown.get('source_Big');
    return {
      paintMsP50: drawMs[Math.floor(drawMs.length / 2)],
      planeShape: level && level.shape,
      stepsPerSecond: steps / secs,
      paintsPerSecond: (Number(c.dataset.frame) - frames0) / secs,
      wells: n,
      inFlight: w.session.loader.inFlight,
      cacheBytes: w.model.cache.bytes
    };
  });
  results.scrub = scrub;
  await pageObj.screenshot({ path: path.join(OUT, '5-big.png') });
  results.stats = await pageObj.evaluate(() => window.widget.stats);
  check('no page errors', errors.length === 0, errors);
  fs.writeFileSync(path.join(OUT, 'results.json'), JSON.stringify(results, null, 2));
  console.log(JSON.stringify(results, null, 2));
}

try {
  await Promise.race([main(), timeout(180000, 'whole check')]);
} catch (err) {
  failures.push(String(err.stack ?? err));
  console.error(err);
} finally {
  for (const fn of cleanups)
    await Promise.resolve()
      .then(fn)
      .catch(() => {});
}
console.log(failures.length ? `FAILED: ${failures.join('; ')}` : 'all checks passed');
process.exit(failures.length ? 1 : 0);
