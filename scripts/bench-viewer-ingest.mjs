#!/usr/bin/env node
// Ingest throughput of the viewer server for 2048² uint16 frames (8 MiB), measured against
// the real compiled server process (lib/viewer-server/main.js, build with `npx tsc -b`).
//   node scripts/bench-viewer-ingest.mjs [--port 20050] [--frames 96] [--batch 4]
// Prints MB/s for: shm timed from send to reply (the server's copy-out + store, request/reply
// in lockstep as a REQ producer does) with hot and with cold segments, shm including the
// producer's segment writes, and raw multipart frames (the show() path) over TCP and IPC. Frames cycle over 16 slots, so
// images replace each other and memory stays bounded.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zmq from 'zeromq';
import { encodeBatch } from '../lib/protocol/index.js';
import { controlRequest, dataIpcEndpoint, ping, unlinkSegment, writeSegment } from '../lib/protocol/node/index.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const PORT = arg('port', 20050);
const FRAMES = arg('frames', 96);
const BATCH = arg('batch', 4);
const SIDE = 2048;
const FRAME_BYTES = SIDE * SIDE * 2;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-bench-'));

const server = spawn(process.execPath, [path.join(root, 'lib/viewer-server/main.js'), '--port', String(PORT), '--memory-budget', '4G'], {
  env: { ...process.env, PIPELINE_VIEWER_HOME: home },
  stdio: 'inherit'
});
const deadline = Date.now() + 30_000;
while (!(await ping(PORT, { timeoutMs: 300 }))) {
  if (Date.now() > deadline) throw new Error('server not ready in 30 s');
  await new Promise((r) => setTimeout(r, 100));
}

const frame = new Uint16Array(SIDE * SIDE).map((_, i) => i & 0xffff);
const item = (n, extra) => ({
  path: `/bench/${n}`,
  shape: [SIDE, SIDE],
  dtype: 'uint16',
  image_id: `i${n}`,
  metadata: { source: 'Bench', well: 'A01', z_index: (n % 16) + 1 },
  ...extra
});

async function run(label, makeBatch, socketKind = 'req', endpoint = `tcp://127.0.0.1:${PORT}`) {
  const socket = socketKind === 'req' ? new zmq.Request({ receiveTimeout: 30_000, linger: 0 }) : new zmq.Dealer({ receiveTimeout: 30_000, linger: 0 });
  socket.connect(endpoint);
  const batches = [];
  let timed = 0;
  for (let n = 0; n < FRAMES; n += BATCH) {
    const t0 = performance.now();
    const frames = makeBatch(n);
    const t1 = performance.now();
    await socket.send(frames.frames);
    const [reply] = (await socket.receive()).slice(-1);
    const t2 = performance.now();
    const parsed = JSON.parse(Buffer.from(reply).toString());
    if (parsed.status !== 'success') throw new Error(JSON.stringify(parsed));
    timed += frames.includeBuild ? t2 - t0 : t2 - t1;
    batches.push(t2 - t1);
  }
  socket.close();
  const mb = (FRAMES * FRAME_BYTES) / 1e6;
  console.log(`${label.padEnd(58)} ${(mb / (timed / 1000)).toFixed(0).padStart(6)} MB/s  (${FRAMES} frames, ${BATCH}/batch, ${timed.toFixed(0)} ms)`);
}

// Warm-up (JIT, allocations), not reported.
await run('warm-up (not a result)', (n) => ({
  frames: encodeBatch({ type: 'batch', images: Array.from({ length: BATCH }, (_, j) => item(n + j, { shm_name: writeSegment(frame) })) })
}));

// 0. The producer's pattern: write the segments, send at once (segments still in CPU caches);
// timed from send to reply, i.e. the server's open + copy out + store + reply.
await run('shm, server side (segments written just before), REQ', (n) => ({
  frames: encodeBatch({ type: 'batch', images: Array.from({ length: BATCH }, (_, j) => item(n + j, { shm_name: writeSegment(frame) })) })
}));

// 1. Cold segments, all created beforehand (none in CPU caches).
const pre = Array.from({ length: FRAMES }, () => writeSegment(frame));
let k = 0;
await run('shm, server side (cold segments written long before), REQ', (n) => ({
  frames: encodeBatch({ type: 'batch', images: Array.from({ length: BATCH }, (_, j) => item(n + j, { shm_name: pre[k++] })) })
}));

// 2. End to end: the producer writes each segment too.
await run('shm, end to end (producer writes segments), REQ', (n) => ({
  includeBuild: true,
  frames: encodeBatch({ type: 'batch', images: Array.from({ length: BATCH }, (_, j) => item(n + j, { shm_name: writeSegment(frame) })) })
}));

// 3. Raw multipart frames over TCP (show()).
const bytes = new Uint8Array(frame.buffer);
await run(
  'multipart frames over tcp, DEALER',
  (n) => ({
    frames: encodeBatch({ type: 'batch', images: Array.from({ length: BATCH }, (_, j) => item(n + j, { frame: j + 1 })) }, Array(BATCH).fill(bytes))
  }),
  'dealer'
);

// 4. The same over the IPC endpoint beside the server's log (protocol/node/ipc-endpoint.js).
const ipc = dataIpcEndpoint(PORT, { PIPELINE_VIEWER_HOME: home });
await run(
  `multipart frames over ipc, DEALER`,
  (n) => ({
    frames: encodeBatch({ type: 'batch', images: Array.from({ length: BATCH }, (_, j) => item(n + j, { frame: j + 1 })) }, Array(BATCH).fill(bytes))
  }),
  'dealer',
  ipc
);

// The server's record (with the secret status and shutdown need) is in its viewer home.
const own = { timeoutMs: 5000, env: { PIPELINE_VIEWER_HOME: home } };
const status = await controlRequest(PORT, { type: 'status' }, own);
console.log(`server counters: ${JSON.stringify(status.status.counters)}; resident ${(status.status.memory.resident_bytes / 2 ** 20).toFixed(0)} MiB`);
pre.forEach((name) => unlinkSegment(name));
await controlRequest(PORT, { type: 'shutdown' }, own);
await new Promise((r) => server.on('exit', r));
fs.rmSync(home, { recursive: true, force: true });
