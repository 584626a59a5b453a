/**
 * A real pipeline run streaming to the REAL viewer server process (see server-harness.ts for
 * how lib/ is built). Ports 20110 and 20120 (+1000, +3000).
 */
import { PRIVATE_SHM_DIR } from './private-shm.js'; // first: sets PIPELINE_VIEWER_SHM_DIR
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { controlRequest } from '../../src/protocol/node/control-client.js';
import { listSegments, SHM_DIR } from '../../src/protocol/node/shm.js';
import {
  compile,
  createNdArray,
  Pipeline,
  readPlate,
  run,
  Step,
  type NdArray,
  type RunEvent
} from '../../src/runtime/index.js';
import { writeSyntheticPlate } from '../../src/runtime/plate/synthetic-plate.js';
import {
  ensureLibBuilt,
  killServers,
  serverPids,
  useTempViewerHome,
  removeTempViewerHome
} from './server-harness.js';

const PORT_A = 20110;
const PORT_B = 20120;
let work: string;

beforeAll(() => {
  ensureLibBuilt();
  useTempViewerHome('pipeline-stream');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-stream-'));
}, 320_000);

afterAll(async () => {
  await killServers(PORT_A);
  await killServers(PORT_B);
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(PRIVATE_SHM_DIR, { recursive: true, force: true });
  removeTempViewerHome();
});

/** Doubles every pixel (a real computation, so streamed and written planes are new arrays). */
function double(stack: NdArray): NdArray {
  const out = new Uint16Array(stack.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(65535, (stack.data[i] as number) * 2);
  return createNdArray(out, stack.shape, 'uint16');
}

it('uses the private shared-memory directory', () => {
  expect(SHM_DIR).toBe(PRIVATE_SHM_DIR);
});

it('streams a synthetic plate through a real run: the server holds the layer with its axes and labels', async () => {
  const plateDir = path.join(work, 'plate-a');
  await writeSyntheticPlate(plateDir, {
    wells: 2,
    sites: 1,
    channels: ['DAPI', 'GFP'],
    zPlanes: 2,
    width: 64,
    height: 48
  });
  const plate = await readPlate(plateDir);
  const pipeline = new Pipeline({
    name: 'stream-a',
    steps: [
      new Step({
        name: 'Enhance',
        func: double,
        streaming: { enabled: true, port: PORT_A, colormap: 'viridis' }
      })
    ]
  });
  const plan = await compile(pipeline, plate, { output_dir: path.join(work, 'out-a') });
  expect(plan.requiredVisualizers.map(v => v.port)).toEqual([PORT_A]);

  // No streamSinkFor: the default starts the viewer server and clears it, as OpenHCS does.
  const result = await run(plan);
  expect(result.ok).toBe(true);
  expect(result.stream.total).toEqual({ sent: 8, dropped: 0, errors: [] });

  const reply = await controlRequest(PORT_A, { type: 'status' }, { timeoutMs: 5000 });
  if (reply.type !== 'status') throw new Error(`expected a status reply, got ${reply.type}`);
  const { status } = reply;
  expect(status.layers).toHaveLength(1);
  const [layer] = status.layers;
  expect(layer).toMatchObject({
    key: 'source_Enhance',
    dtype: 'uint16',
    shape: [48, 64],
    image_count: 8,
    colormap: 'viridis'
  });
  const axes = Object.fromEntries(layer.axes.map(a => [a.name, a]));
  expect(axes.well).toMatchObject({ values: ['A01', 'A02'], labels: ['Well A01', 'Well A02'] });
  expect(axes.channel).toMatchObject({ values: [1, 2], labels: ['Ch1: DAPI', 'Ch2: GFP'] });
  expect(axes.z_index).toMatchObject({ values: [1, 2], labels: ['Z 1', 'Z 2'] });
  expect(status.counters).toMatchObject({ images: 8, dropped: 0, errors: 0 });
  expect(status.ports).toEqual({ data: PORT_A, control: PORT_A + 1000, http: PORT_A + 3000 });

  // A second run reuses the same (persistent) server and clears it first: still 8 images.
  const again = await run(plan);
  expect(again.stream.total.sent).toBe(8);
  const after = await controlRequest(PORT_A, { type: 'status' }, { timeoutMs: 5000 });
  expect(after.type === 'status' && after.status.pid).toBe(status.pid);
  expect(after.type === 'status' && after.status.layers[0].image_count).toBe(8);
  expect(listSegments()).toEqual([]);
}, 120_000);

it('a server killed mid-run: the run finishes, outputs are on disk, drops are reported, no segment is left', async () => {
  const plateDir = path.join(work, 'plate-b');
  await writeSyntheticPlate(plateDir, {
    wells: 4,
    sites: 1,
    channels: 2,
    zPlanes: 2,
    width: 64,
    height: 64
  });
  const plate = await readPlate(plateDir);
  const slowDouble = async (stack: NdArray): Promise<NdArray> => {
    await new Promise(r => setTimeout(r, 40));
    return double(stack);
  };
  const pipeline = new Pipeline({
    name: 'stream-b',
    steps: [
      new Step({ name: 'Slow', func: slowDouble, streaming: { enabled: true, port: PORT_B } })
    ]
  });
  const plan = await compile(pipeline, plate, {
    output_dir: path.join(work, 'out-b'),
    well_concurrency: 1,
    stream_flush_timeout_ms: 8000
  });

  let killed: number[] = [];
  const onEvent = (e: RunEvent) => {
    if (e.type === 'step-finished' && killed.length === 0) {
      killed = serverPids(PORT_B);
      for (const pid of killed) process.kill(pid, 'SIGKILL');
    }
  };
  const t0 = performance.now();
  const result = await run(plan, { onEvent });
  const elapsed = performance.now() - t0;

  expect(killed).toHaveLength(1);
  expect(result.ok).toBe(true);
  expect(result.wells.map(w => w.status)).toEqual(Array(4).fill('ok'));
  const outputs = result.wells.flatMap(w => w.outputs);
  expect(outputs).toHaveLength(4 * 2 * 2);
  for (const file of outputs) expect(fs.statSync(file).size).toBeGreaterThan(64 * 64 * 2);

  const report = result.stream.total;
  const streamed = Object.values(result.stream.byVisualizer)[0];
  expect(streamed.images).toBe(16);
  expect(report.dropped).toBeGreaterThan(0);
  expect(report.sent + report.dropped).toBe(16);
  expect(report.errors.join('\n')).toMatch(/20120/);
  // Bounded: one reply timeout at most, not one per batch.
  expect(elapsed).toBeLessThan(100_000);

  expect(listSegments()).toEqual([]);
  expect(fs.readdirSync(PRIVATE_SHM_DIR)).toEqual([]);
}, 150_000);
