#!/usr/bin/env node
/**
 * What computing grid levels while the server idles (pixels/level-warmer.ts) costs ingest:
 * the real server (lib/, `npx tsc -b` first) with warming on and off
 * (PIPELINE_VIEWER_WARM_LEVELS=0), alternating, ≥ 3 rounds each.
 *
 *   node scripts/bench-level-warmer.mjs [rounds=3] [wells=96] [gapMs=120]
 *
 * Per round: `wells` × 3 channels × 1024² uint16 sent as frames, one message per well, a
 * reply awaited per message (as producers do): once back to back (throughput, MB/s) and
 * once with `gapMs` between wells, so that warming runs in the gaps (reply ms of the
 * messages arriving while it works: median and max). Then api/thumbnails of the plate at
 * max=80 (the grid's ask) from a Node client: cold (warming off) vs warm. Data port $PORT
 * (default 24080; +1000, +3000). Prints JSON.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zmq from 'zeromq';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { encodeBatch } = await import(path.join(ROOT, 'lib/protocol/codec.js'));
const { ping, liveServerRecord, controlRequest } = await import(
  path.join(ROOT, 'lib/protocol/node/index.js')
);
const PORT = Number(process.env.PORT ?? 24080);
const [ROUNDS, WELLS, GAP_MS] = [3, 96, 120].map((d, i) => Number(process.argv[2 + i] ?? d));
const N = 1024;
const sleep = ms => new Promise(r => setTimeout(r, ms));
const wellName = i =>
  `${'ABCDEFGHIJKLMNOP'[Math.floor(i / 12)]}${String((i % 12) + 1).padStart(2, '0')}`;
const planes = [0, 1, 2].map(c => {
  const a = new Uint16Array(N * N);
  for (let i = 0; i < a.length; i++) a[i] = (i * (c + 3)) & 0xffff;
  return new Uint8Array(a.buffer);
});

async function withServer(warm, fn) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-bench-warm-'));
  const env = {
    ...process.env,
    PIPELINE_VIEWER_HOME: home,
    PIPELINE_VIEWER_WARM_LEVELS: warm ? '1' : '0'
  };
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'lib/viewer-server/main.js'), '--port', String(PORT)],
    {
      env: { ...env, MALLOC_MMAP_THRESHOLD_: '131072' },
      stdio: ['ignore', 'ignore', 'inherit']
    }
  );
  try {
    const deadline = Date.now() + 20000;
    while (!(await ping(PORT, { timeoutMs: 300, env }))) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`viewer server on port ${PORT} did not start within 20 s`);
      await sleep(100);
    }
    return await fn(env);
  } finally {
    child.kill('SIGTERM');
    await Promise.race([new Promise(r => child.once('exit', r)), sleep(10000)]);
    fs.rmSync(home, { recursive: true, force: true });
  }
}

async function sendPlate(socket, gapMs) {
  const replyMs = [];
  const t0 = performance.now();
  for (let w = 0; w < WELLS; w++) {
    const well = wellName(w);
    const images = planes.map((_, c) => ({
      path: `${well}_w${c + 1}.tif`,
      shape: [N, N],
      dtype: 'uint16',
      image_id: `${well}-${c}`,
      frame: c + 1,
      metadata: { source: 'Bench', well, channel: c + 1 }
    }));
    const t = performance.now();
    await socket.send(encodeBatch({ type: 'batch', images }, planes));
    const reply = await Promise.race([socket.receive(), sleep(30000).then(() => null)]);
    if (!reply) throw new Error(`no reply for well ${well} within 30 s`);
    replyMs.push(performance.now() - t);
    if (gapMs) await sleep(gapMs);
  }
  return { totalMs: performance.now() - t0, replyMs };
}

function thumbnails(env) {
  const token = liveServerRecord(PORT, env).browser_token;
  return Promise.all(
    [1, 2, 3].map(
      c =>
        new Promise((resolve, reject) => {
          const q = `layer=source_Bench&at=${encodeURIComponent(JSON.stringify({ channel: c }))}&max=80`;
          const req = http.get(
            {
              host: '127.0.0.1',
              port: PORT + 3000,
              path: `/api/thumbnails?${q}`,
              headers: { 'x-pipeline-viewer-token': token }
            },
            res => {
              let n = 0;
              res.on('data', d => (n += d.length));
              res.on('end', () =>
                res.statusCode === 200 ? resolve(n) : reject(new Error(`HTTP ${res.statusCode}`))
              );
            }
          );
          req.setTimeout(30000, () =>
            req.destroy(new Error('api/thumbnails: no reply within 30 s'))
          );
          req.on('error', reject);
        })
    )
  );
}

const median = v => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const stat = v => ({
  median: +median(v).toFixed(1),
  min: +Math.min(...v).toFixed(1),
  max: +Math.max(...v).toFixed(1)
});

const results = { on: [], off: [] };
const load = [os.loadavg()[0]];
for (let r = 0; r < ROUNDS; r++) {
  for (const warm of r % 2 ? [true, false] : [false, true]) {
    const out = await withServer(warm, async env => {
      const socket = new zmq.Dealer({ linger: 0 });
      socket.connect(`tcp://127.0.0.1:${PORT}`);
      try {
        const burst = await sendPlate(socket, 0);
        await controlRequest(PORT, { type: 'clear_state' }, { env, timeoutMs: 5000 });
        const paced = await sendPlate(socket, GAP_MS);
        await sleep(3000); // warming finishes
        let t = performance.now();
        await thumbnails(env);
        const gridMs = performance.now() - t;
        return {
          burstMBps: (WELLS * 3 * N * N * 2) / 1e6 / (burst.totalMs / 1000),
          pacedReplyMedianMs: median(paced.replyMs),
          pacedReplyMaxMs: Math.max(...paced.replyMs),
          thumbnailsMs: gridMs
        };
      } finally {
        socket.close();
      }
    });
    results[warm ? 'on' : 'off'].push(out);
    load.push(os.loadavg()[0]);
  }
}
const fig = (k, f) => stat(results[k].map(f));
const summary = {
  plate: `${WELLS} wells × 3 channels × ${N}² uint16`,
  rounds: ROUNDS,
  gapMs: GAP_MS,
  loadAverage1m: stat(load),
  ...Object.fromEntries(
    ['on', 'off'].map(k => [
      `warming ${k}`,
      {
        burstMBps: fig(k, o => o.burstMBps),
        pacedReplyMedianMs: fig(k, o => o.pacedReplyMedianMs),
        pacedReplyMaxMs: fig(k, o => o.pacedReplyMaxMs),
        thumbnailsMs: fig(k, o => o.thumbnailsMs)
      }
    ])
  ),
  burstOnOverOff: stat(results.on.map((o, i) => o.burstMBps / results.off[i].burstMBps)),
  pacedReplyOnOverOff: stat(
    results.on.map((o, i) => o.pacedReplyMedianMs / results.off[i].pacedReplyMedianMs)
  ),
  rounds_: results
};
console.log(JSON.stringify(summary, null, 2));
process.exit(0);
