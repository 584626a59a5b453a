/**
 * `openInViewer(path, { port })` from a notebook (issue 17, part 2): starts the viewer server
 * (lib/, as a notebook would), opens an OME-Zarr plate written by ome-zarr-py as a layer from
 * disk, and shows the viewer output; a folder that is no plate rejects with the reader's
 * error. Port 24660 (+1000, +3000).
 */
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { controlRequest } from '../../src/protocol/node/index.js';
import { openInViewer, type MimeBundle } from '../../src/runtime/notebook/index.js';
import {
  ensureLibBuilt,
  killServers,
  useTempViewerHome,
  removeTempViewerHome
} from '../streaming/server-harness.js';
import { makePlate } from './fixture-plates.js';

const PORT = 24660;
let work: string;

beforeAll(async () => {
  ensureLibBuilt();
  useTempViewerHome('open-in-viewer');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'open-in-viewer-'));
  await makePlate('ome-zarr-0.5', path.join(work, 'plate.zarr'));
}, 320_000);

afterAll(async () => {
  await killServers(PORT);
  fs.rmSync(work, { recursive: true, force: true });
  removeTempViewerHome();
});

it('opens a plate on disk as a layer from disk and shows the viewer output', async () => {
  const shown: MimeBundle[] = [];
  const opened = await openInViewer(path.join(work, 'plate.zarr'), {
    port: PORT,
    display: bundle => shown.push(bundle)
  });
  expect(opened.port).toBe(PORT);
  const reply = await controlRequest(PORT, { type: 'status' }, { timeoutMs: 10_000 });
  const layers = reply.type === 'status' ? reply.status.layers : [];
  expect(layers.map(l => l.key)).toEqual([opened.layer]);
  expect(shown).toHaveLength(1);
  expect(JSON.stringify(shown[0])).toContain('from disk');
}, 120_000);

it('rejects a folder that holds no plate with the reader’s error', async () => {
  fs.mkdirSync(path.join(work, 'empty'));
  await expect(
    openInViewer(path.join(work, 'empty'), { port: PORT, display: null })
  ).rejects.toThrow(/cannot open plate '.*empty'/);
}, 60_000);
