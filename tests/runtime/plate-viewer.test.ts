/**
 * The plate's pixel size reaches the REAL viewer server (lib/, started by `run` as a notebook
 * would) and is kept on the layer the panel draws its scale bar from. Port 21410 (+1000, +3000).
 */
import { PRIVATE_SHM_DIR } from '../streaming/private-shm.js'; // first: private /dev/shm dir
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { controlRequest } from '../../src/protocol/node/control-client.js';
import { compile, Pipeline, readPlate, run, Step, type NdArray } from '../../src/runtime/index.js';
import {
  ensureLibBuilt,
  killServers,
  useTempViewerHome,
  removeTempViewerHome
} from '../streaming/server-harness.js';
import { writeTestPlate } from './test-plate.js';

const PORT = 21410;
let work: string;

beforeAll(() => {
  ensureLibBuilt();
  useTempViewerHome('plate-viewer');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'plate-viewer-'));
}, 320_000);

afterAll(async () => {
  await killServers(PORT);
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(PRIVATE_SHM_DIR, { recursive: true, force: true });
  removeTempViewerHome();
});

it("a run streams the plate's pixel size: the server's layer keeps it", async () => {
  const dir = await writeTestPlate(path.join(work, 'plate'), {
    wells: ['A01'],
    sites: 1,
    channels: 2,
    zs: 1,
    size: 32
  });
  const pixelSize = { x: 0.325, y: 0.33, unit: 'micrometer' };
  const plate = await readPlate(dir, { pixelSize });
  const pipeline = new Pipeline({
    name: 'scale bar',
    steps: [
      new Step({
        name: 'Same',
        func: (stack: NdArray) => stack,
        streaming: { enabled: true, port: PORT }
      })
    ]
  });
  const plan = await compile(pipeline, plate, { output_dir: path.join(work, 'out') });
  const result = await run(plan);
  expect(result.ok).toBe(true);
  expect(result.stream.total).toMatchObject({ sent: 2, dropped: 0, errors: [] });
  const reply = await controlRequest(PORT, { type: 'status' }, { timeoutMs: 5000 });
  if (reply.type !== 'status') throw new Error(`expected a status reply, got ${reply.type}`);
  expect(reply.status.layers.map(l => [l.key, l.pixel_size])).toEqual([['source_Same', pixelSize]]);
}, 120_000);
