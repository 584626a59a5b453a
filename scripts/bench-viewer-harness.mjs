/**
 * Shared parts of the viewer widget benchmarks (bench-viewer.mjs, bench-viewer-memory.mjs):
 * the widget bundle of lib/, a page hosting it, a local /proxy/<port>/ reverse proxy as
 * jupyter-server-proxy puts it, the real viewer server process, and the plate sent to it.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import webpack from 'webpack';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { encodeBatch } = await import(path.join(ROOT, 'lib/protocol/codec.js'));
const { ping } = await import(path.join(ROOT, 'lib/protocol/node/index.js'));

export const sleep = ms => new Promise(r => setTimeout(r, ms));
export const wellName = i =>
  `${'ABCDEFGHIJKLMNOP'[Math.floor(i / 12)]}${String((i % 12) + 1).padStart(2, '0')}`;

/**
 * Bundles lib/viewer-widget into `out`/viewer-widget.js (window.PLV). Webpack's file cache in
 * node_modules/.cache makes a second bundle of the same lib/ ~10× faster (97 → 9.5 s at load
 * 15): the benchmarks that bundle after one another in `npm run bench` pay it once.
 */
export async function bundle(out) {
  const compiler = webpack({
    cache: {
      type: 'filesystem',
      cacheDirectory: path.join(ROOT, 'node_modules/.cache/plv-bench-widget')
    },
    mode: 'production',
    target: 'web',
    entry: path.join(ROOT, 'lib/viewer-widget/index.js'),
    output: { path: out, filename: 'viewer-widget.js', library: { name: 'PLV', type: 'window' } },
    devtool: false,
    performance: { hints: false }
  });
  const stats = await new Promise((res, rej) => compiler.run((e, s) => (e ? rej(e) : res(s))));
  await new Promise(res => compiler.close(res)); // writes the cache
  if (stats.hasErrors()) throw new Error(stats.toString('errors-only'));
}

/** The page: the widget filling the window, as `window.widget`; `extra` runs after it. */
export function page(token, http, extra = '') {
  const css = ['viewer.css', 'navigation.css']
    .map(f => fs.readFileSync(path.join(ROOT, 'style', f), 'utf8'))
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><style>
  :root { --jp-layout-color1:#fff; --jp-layout-color2:#eee; --jp-ui-font-color1:#000; --jp-border-color1:#999;
          --jp-border-width:1px; --jp-brand-color1:#1976d2; --jp-ui-font-size1:13px; --jp-code-font-size:12px; }
  html, body { margin:0; height:100%; } #host { position:absolute; inset:0; }
  ${css}</style></head><body><div id="host"></div><script src="viewer-widget.js"></script><script>
  const widget = new PLV.PipelineViewerWidget({ baseUrl: '/proxy/${http}/', token: ${JSON.stringify(token)}, followNewest: true${
    process.env.CACHE_MIB ? `, cacheBytes: ${Number(process.env.CACHE_MIB) * 1048576}` : ''
  }${process.env.TEXTURE_MIB ? `, textureBytes: ${Number(process.env.TEXTURE_MIB) * 1048576}` : ''} });
  widget.node.style.position = 'absolute'; widget.node.style.inset = '0';
  document.getElementById('host').appendChild(widget.node);
  widget.processMessage({ type: 'after-attach', isConflatable: false });
  window.widget = widget;
  ${extra}
  </script></body></html>`;
}

/**
 * The front server: the page at /, the bundle, /proxy/<port>/ to the viewer server (HTTP and
 * WebSocket); `routes(req, res)` may answer other paths first (returns true when it did).
 */
export function startFront(out, html, routes = () => false) {
  const server = http.createServer((req, res) => {
    if (routes(req, res)) return;
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
      fs.createReadStream(path.join(out, 'viewer-widget.js')).pipe(res);
    } else res.writeHead(200, { 'content-type': 'text/html' }).end(html);
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

/** Starts the viewer server on data port `port`; returns the child (caller kills it). */
export async function startServer(port, env) {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'lib/viewer-server/main.js'), '--port', String(port)],
    {
      env: { ...env, MALLOC_MMAP_THRESHOLD_: '131072' },
      stdio: ['ignore', 'ignore', 'inherit']
    }
  );
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    if (await ping(port, { timeoutMs: 300, env })) return child;
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  child.kill('SIGTERM');
  throw new Error(`viewer server on port ${port} did not start within 20 s`);
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

export async function sendWell(socket, well, wi, channels, size) {
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

export function stat(values) {
  const v = [...values].sort((a, b) => a - b);
  const med = v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  const r = x => Math.round(x * 10) / 10;
  return { median: r(med), min: r(v[0]), max: r(v[v.length - 1]) };
}
