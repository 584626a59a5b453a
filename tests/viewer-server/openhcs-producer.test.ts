/**
 * Compatibility: an OpenHCS-style Python producer (pyzmq REQ socket, napari_ shared memory,
 * plain JSON batch) is served on the same data port as our own producers.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SHM_DIR } from '../../src/protocol/node/index.js';
import { tokenHeaders } from './browser-token.js';
import { getPlane, planeQuery, ROOT, startServer, type RunningServer } from './server-process.js';

const PORT = 20060;
const PYTHON = path.join(ROOT, '.venv/bin/python');
let server: RunningServer;

beforeAll(async () => {
  server = await startServer(PORT);
});
afterAll(async () => {
  await server?.stop();
});

it('stores a batch from a pyzmq REQ producer with napari_ shared memory, leaves the segment to its sender, replies in JSON', async () => {
  if (!fs.existsSync(PYTHON))
    throw new Error(`${PYTHON} is missing: run scripts/setup.sh (it creates the venv with pyzmq)`);
  const run = spawnSync(
    PYTHON,
    [path.join(ROOT, 'tests/viewer-server/fixtures/openhcs_producer.py'), String(PORT)],
    {
      encoding: 'utf8',
      timeout: 30_000
    }
  );
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const { reply, shm_name, present_after_reply } = JSON.parse(run.stdout);
  expect(reply).toEqual({ status: 'success', type: 'batch', accepted: 1, rejected: 0 });
  // A napari_ segment stays its sender's: the server copies it and leaves it in place
  // (a second unlink made OpenHCS 0.8.6 warn per image); the sender unlinked it.
  expect(present_after_reply).toBe(true);
  expect(fs.existsSync(path.join(SHM_DIR, shm_name))).toBe(false);

  const state = await (
    await fetch(`http://127.0.0.1:${PORT + 3000}/api/state`, { headers: tokenHeaders(PORT) })
  ).json();
  const layer = state.layers.find((l: { key: string }) => l.key === 'source_normalize');
  expect(layer.axes.map((a: { labels: string[] }) => a.labels)).toEqual([
    ['Well A01'],
    ['Site 1'],
    ['Ch1: DAPI', 'Ch2: GFP'],
    ['Z 1']
  ]);
  const plane = await getPlane(
    PORT,
    planeQuery('source_normalize', { well: 'A01', site: 1, channel: 2, z_index: 1 }, 100)
  );
  expect(plane.headers.get('x-plane-shape')).toBe('3,4');
  expect([...new Uint16Array(plane.body.buffer, plane.body.byteOffset, 12)]).toEqual(
    Array.from({ length: 12 }, (_, i) => 100 + i)
  );
});
