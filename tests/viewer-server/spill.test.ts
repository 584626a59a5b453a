/**
 * A server with a small memory budget spills least-recently-used planes to its zarr store
 * and pages them back on request with identical bytes; nothing is lost.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { controlRequest, writeSegment } from '../../src/protocol/node/index.js';
import {
  getPlane,
  planeQuery,
  sendBatch,
  startServer,
  type RunningServer,
  within
} from './server-process.js';

const PORT = 20030;
const SIDE = 256;
const PLANES = 12;
let server: RunningServer;

beforeAll(async () => {
  server = await startServer(PORT, ['--memory-budget', '400K']);
});
afterAll(async () => {
  await server?.stop();
});

async function status() {
  const reply = await controlRequest(PORT, { type: 'status' }, { timeoutMs: 10_000 });
  if (reply.type !== 'status') throw new Error(JSON.stringify(reply));
  return reply.status;
}

it('spills planes beyond the budget to zarr on disk and pages them back byte for byte', async () => {
  const planes = Array.from({ length: PLANES }, (_, t) =>
    Uint16Array.from({ length: SIDE * SIDE }, (_, i) => (i * 31 + t * 977) & 0xffff)
  );
  for (let t = 0; t < PLANES; t++) {
    const reply = await sendBatch(PORT, {
      type: 'batch',
      images: [
        {
          path: `/t${t}`,
          shape: [SIDE, SIDE],
          dtype: 'uint16',
          image_id: `t${t}`,
          shm_name: writeSegment(planes[t]),
          metadata: { source: 'Movie', timepoint: t + 1 }
        }
      ]
    });
    expect(reply.status).toBe('success');
  }
  // Spilling runs in the background; wait (bounded) until memory is within the budget.
  const deadline = Date.now() + 15_000;
  let s = await status();
  while (s.memory.resident_bytes > s.memory.budget_bytes && Date.now() < deadline) {
    await new Promise(r => setTimeout(r, 100));
    s = await status();
  }
  expect(s.memory.budget_bytes).toBe(400 * 1024);
  expect(s.memory.resident_bytes).toBeLessThanOrEqual(400 * 1024);
  expect(s.memory.spilled_planes).toBeGreaterThanOrEqual(PLANES - 3);
  expect(s.layers[0].image_count).toBe(PLANES);

  const store = path.join(server.home, 'store', String(PORT), 'planes.zarr');
  expect(fs.existsSync(path.join(store, 'zarr.json'))).toBe(true);
  expect(fs.readdirSync(store).filter(n => n.startsWith('p')).length).toBeGreaterThanOrEqual(
    PLANES - 3
  );
  const spilled = fs.readdirSync(store).find(n => n.startsWith('p'))!;
  const meta = JSON.parse(fs.readFileSync(path.join(store, spilled, 'zarr.json'), 'utf8'));
  expect(meta).toMatchObject({
    zarr_format: 3,
    node_type: 'array',
    shape: [SIDE, SIDE],
    data_type: 'uint16'
  });
  expect(meta.codecs).toEqual([{ name: 'bytes', configuration: { endian: 'little' } }]);
  expect(fs.statSync(path.join(store, spilled, 'c', '0', '0')).size).toBe(SIDE * SIDE * 2);

  for (let t = 0; t < PLANES; t++) {
    const plane = await getPlane(PORT, planeQuery('source_Movie', { timepoint: t + 1 }, 100000));
    expect(plane.status).toBe(200);
    expect(Buffer.from(plane.body).equals(Buffer.from(planes[t].buffer))).toBe(true);
  }
});

it('keeps its layer store, releases its lock and removes its IPC socket on shutdown', async () => {
  const store = path.join(server.home, 'store', String(PORT), 'planes.zarr');
  expect(fs.existsSync(store)).toBe(true);
  await controlRequest(PORT, { type: 'shutdown' }, { timeoutMs: 10_000 });
  const code = await within(server.exit, 10_000);
  expect(code).toBe(0);
  // every plane saved, for the next server on this port (tests/viewer-server/persistence.test.ts)
  expect(fs.readdirSync(store).filter(n => /^p\d+$/.test(n))).toHaveLength(PLANES);
  expect(fs.existsSync(path.join(store, '..', 'lock'))).toBe(false);
  expect(fs.existsSync(path.join(server.home, `data-${PORT}.sock`))).toBe(false);
});
