/**
 * The server's resident memory stays within its memory budget (plus the RSS of an idle
 * server): 3× the budget streamed in 2 MiB planes, through shared memory and as raw
 * frames, with plane requests at full size and at reduced levels (page-ins and level
 * caches) meanwhile, keeps the peak RSS (VmHWM) within 1.2 × budget + idle RSS + a stated
 * allowance.
 * Port 20086 (+1000, +3000).
 */
// First: a private shared-memory dir for this file and its server (see private-shm.ts).
import { PRIVATE_SHM_DIR } from '../streaming/private-shm.js';
import * as fs from 'node:fs';
import { controlRequest, ping, writeSegment } from '../../src/protocol/node/index.js';
import {
  getPlane,
  planeQuery,
  sendBatch,
  startServer,
  within,
  type RunningServer
} from './server-process.js';

const PORT = 20086;
const MIB = 1024 ** 2;
const BUDGET = 64 * MIB;
const SIDE = 1024; // uint16: 2 MiB per plane
const PLANES = 96; // 192 MiB: 3 × the budget
const PER_MESSAGE = 4;
/**
 * Beyond the idle RSS: code first run by the stream (spill store, zarrita, the thread
 * pool's stacks, heap growth for the planes' bookkeeping).
 */
const ALLOWANCE = 16 * MIB;

let server: RunningServer;
/** RSS of the idle server, right after it started. */
let idle: number;

beforeAll(async () => {
  server = await startServer(PORT, ['--memory-budget', String(BUDGET)]);
  const pong = await ping(PORT, { timeoutMs: 2000 });
  if (pong?.pid !== server.child.pid)
    throw new Error(`port ${PORT} answers from pid ${pong?.pid}, not this test's server: taken`);
  idle = rss(server.child.pid!).rss;
});
afterAll(async () => {
  await server?.stop();
  fs.rmSync(PRIVATE_SHM_DIR, { recursive: true, force: true });
});

/** VmRSS and VmHWM (peak RSS) of a process, in bytes. */
function rss(pid: number): { rss: number; hwm: number } {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)![1]) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

function frame(t: number): Uint16Array {
  const pixels = new Uint16Array(SIDE * SIDE);
  for (let i = 0; i < pixels.length; i += 97) pixels[i] = (i + t) & 0xffff;
  return pixels;
}

/** Peak RSS of `pid` while `run` runs: VmHWM reset before (clear_refs), and sampled. */
async function peakWhile(pid: number, run: () => Promise<void>): Promise<number> {
  fs.writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
  let sampled = rss(pid).rss;
  const sampler = setInterval(() => (sampled = Math.max(sampled, rss(pid).rss)), 20);
  try {
    await run();
  } finally {
    clearInterval(sampler);
  }
  return Math.max(rss(pid).hwm, sampled);
}

/** The browser meanwhile: plane `newest` at full size, an old (spilled) one at a reduced
 * level (paged back in, its levels computed and cached). */
async function browse(layer: string, newest: number, old: number): Promise<void> {
  const full = await getPlane(PORT, planeQuery(layer, { timepoint: newest }, SIDE));
  expect(full.status).toBe(200);
  const reduced = await getPlane(PORT, planeQuery(layer, { timepoint: old }, 300));
  expect(reduced.status).toBe(200);
}

function expectWithinBound(path: string, peak: number): void {
  const bound = 1.2 * BUDGET + idle + ALLOWANCE;
  process.stderr.write(
    `memory-bound (${path}): idle ${(idle / MIB).toFixed(1)} MiB, peak ${(peak / MIB).toFixed(1)} MiB ` +
      `(${((peak - idle) / BUDGET).toFixed(2)} × budget above idle), bound ${(bound / MIB).toFixed(1)} MiB\n`
  );
  expect(peak).toBeLessThanOrEqual(bound);
}

it('keeps peak RSS within 1.2 × the budget plus an idle server: 3× the budget through shared memory', async () => {
  const peak = await peakWhile(server.child.pid!, async () => {
    for (let t = 0; t < PLANES; t += PER_MESSAGE) {
      const images = Array.from({ length: PER_MESSAGE }, (_, i) => ({
        path: `/t${t + i}`,
        shape: [SIDE, SIDE],
        dtype: 'uint16' as const,
        image_id: `t${t + i}`,
        shm_name: writeSegment(frame(t + i)),
        metadata: { source: 'Movie', timepoint: t + i + 1 }
      }));
      const reply = await sendBatch(PORT, { type: 'batch', images });
      expect(reply).toMatchObject({ status: 'success', accepted: PER_MESSAGE });
      await browse('source_Movie', t + 1, t / 2 + 1);
    }
  });
  expectWithinBound('shared memory', peak);
  const status = await within(controlRequest(PORT, { type: 'status' }, { timeoutMs: 5000 }), 5000);
  expect(status).toMatchObject({
    type: 'status',
    status: { memory: { spilled_planes: expect.any(Number) } }
  });
  if (status !== 'timeout' && status.type === 'status')
    expect(status.status.memory.resident_bytes).toBeLessThanOrEqual(BUDGET + PER_MESSAGE * 2 * MIB);
});

it('keeps peak RSS within 1.2 × the budget plus an idle server: 3× the budget as raw frames', async () => {
  // Planes that arrive as zeromq frames cannot be reused: spilled, they are garbage.
  const peak = await peakWhile(server.child.pid!, async () => {
    for (let t = 0; t < PLANES; t += PER_MESSAGE) {
      const images = Array.from({ length: PER_MESSAGE }, (_, i) => ({
        path: `/r${t + i}`,
        shape: [SIDE, SIDE],
        dtype: 'uint16' as const,
        image_id: `r${t + i}`,
        frame: i + 1,
        metadata: { source: 'Raw', timepoint: t + i + 1 }
      }));
      const frames = images.map((_, i) => new Uint8Array(frame(t + i).buffer));
      const reply = await sendBatch(PORT, { type: 'batch', images }, frames);
      expect(reply).toMatchObject({ status: 'success', accepted: PER_MESSAGE });
      await browse('source_Raw', t + 1, t / 2 + 1);
    }
  });
  expectWithinBound('raw frames', peak);
});
