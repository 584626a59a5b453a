/**
 * A step declared `labels: true` streams its outputs as a labels layer to the REAL viewer
 * server (lib/, started by `run` as a notebook would), and `showInViewer(array, { labels:
 * true })` does the same for one array; an ordinary step stays an image layer. Port 24210
 * (+1000, +3000).
 */
import { PRIVATE_SHM_DIR } from '../streaming/private-shm.js'; // first: private /dev/shm dir
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { controlRequest } from '../../src/protocol/node/control-client.js';
import {
  compile,
  createNdArray,
  Pipeline,
  readPlate,
  run,
  Step,
  type NdArray
} from '../../src/runtime/index.js';
import { showInViewer } from '../../src/runtime/notebook/index.js';
import {
  ensureLibBuilt,
  killServers,
  useTempViewerHome,
  removeTempViewerHome
} from '../streaming/server-harness.js';
import { writeTestPlate } from './test-plate.js';

const PORT = 24210;
let work: string;

beforeAll(() => {
  ensureLibBuilt();
  useTempViewerHome('labels-stream');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'labels-stream-'));
}, 320_000);

afterAll(async () => {
  await killServers(PORT);
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(PRIVATE_SHM_DIR, { recursive: true, force: true });
  removeTempViewerHome();
});

async function layers() {
  const reply = await controlRequest(PORT, { type: 'status' }, { timeoutMs: 5000 });
  if (reply.type !== 'status') throw new Error(`expected a status reply, got ${reply.type}`);
  return reply.status.layers.map(l => ({ key: l.key, kind: l.kind ?? 'image', dtype: l.dtype }));
}

it('a step declared labels: true streams a labels layer; the step before it an image layer', async () => {
  const dir = await writeTestPlate(path.join(work, 'plate'), {
    wells: ['A01'],
    sites: 1,
    channels: 1,
    zs: 1,
    size: 32
  });
  const plate = await readPlate(dir);
  const streaming = { enabled: true, port: PORT };
  // ids 1..4 by quadrant: what a segmentation returns (uint32, as labelComponents does)
  const quadrants = (stack: NdArray): NdArray => {
    const [n, h, w] = stack.shape;
    const ids = new Uint32Array(n * h * w);
    for (let i = 0; i < ids.length; i++) {
      const y = Math.floor((i % (h * w)) / w);
      const x = i % w;
      ids[i] = 1 + (y >= h / 2 ? 2 : 0) + (x >= w / 2 ? 1 : 0);
    }
    return createNdArray(ids, [n, h, w], 'uint32');
  };
  const pipeline = new Pipeline({
    name: 'labels',
    steps: [
      new Step({
        name: 'Same',
        func: (stack: NdArray) => stack,
        materialization: {},
        streaming
      }),
      new Step({ name: 'Nuclei', func: quadrants, labels: true, streaming })
    ]
  });
  const plan = await compile(pipeline, plate, { output_dir: path.join(work, 'out') });
  expect(plan.steps.map(s => s.labels)).toEqual([false, true]);
  const result = await run(plan);
  expect(result.ok).toBe(true);
  expect(result.stream.total).toMatchObject({ sent: 2, dropped: 0, errors: [] });
  expect(await layers()).toEqual([
    { key: 'source_Same', kind: 'image', dtype: 'uint16' },
    { key: 'source_Nuclei', kind: 'labels', dtype: 'uint32' }
  ]);
}, 120_000);

it('showInViewer(array, { labels: true }) shows a labels layer', async () => {
  const ids = createNdArray(
    Uint16Array.from({ length: 64 }, (_, i) => i % 5),
    [8, 8],
    'uint16'
  );
  const reply = await showInViewer(ids, {
    port: PORT,
    name: 'my labels',
    labels: true,
    display: null
  });
  expect(reply).toMatchObject({ status: 'success', accepted: 1 });
  expect(await layers()).toContainEqual({ key: 'my labels', kind: 'labels', dtype: 'uint16' });
}, 60_000);

it('labels made from a z projection lie over it: streamed at Z projection too, not at z 1', async () => {
  const dir = await writeTestPlate(path.join(work, 'plate-z'), {
    wells: ['A01'],
    sites: 1,
    channels: 1,
    zs: 2,
    size: 32
  });
  const plate = await readPlate(dir);
  const streaming = { enabled: true, port: PORT };
  const maxOverZ = (stack: NdArray): NdArray => {
    const [n, h, w] = stack.shape;
    const out = new Uint16Array(h * w);
    for (let k = 0; k < n; k++)
      for (let i = 0; i < h * w; i++) out[i] = Math.max(out[i], Number(stack.data[k * h * w + i]));
    return createNdArray(out, [1, h, w], 'uint16');
  };
  const threshold = (stack: NdArray): NdArray =>
    createNdArray(
      Uint32Array.from(stack.data as Uint16Array, v => (v > 0 ? 1 : 0)),
      [...stack.shape],
      'uint32'
    );
  const pipeline = new Pipeline({
    name: 'labels over a projection',
    steps: [
      new Step({
        name: 'ZMax',
        func: maxOverZ,
        variableComponents: ['z_index'],
        materialization: {},
        streaming
      }),
      new Step({ name: 'Mask', func: threshold, labels: true, streaming })
    ]
  });
  const plan = await compile(pipeline, plate, { output_dir: path.join(work, 'out-z') });
  const result = await run(plan);
  expect(result.ok).toBe(true);
  const reply = await controlRequest(PORT, { type: 'status' }, { timeoutMs: 5000 });
  if (reply.type !== 'status') throw new Error(`expected a status reply, got ${reply.type}`);
  const zOf = (key: string) =>
    reply.status.layers.find(l => l.key === key)?.axes.find(a => a.name === 'z_index')?.values;
  expect(zOf('source_ZMax')).toEqual(['projection']);
  expect(zOf('source_Mask')).toEqual(['projection']);
}, 120_000);
