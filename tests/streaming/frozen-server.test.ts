/**
 * Issue 14, P2: a pipeline never waits for a viewer server that stopped answering. The REAL
 * server process is frozen with SIGSTOP before the run: its start (reusing that server) waited
 * for readiness up to 30 s, holding the run. Now the sink opens at once, the run computes and
 * writes everything, and the flush gives up after one ping. Port 21330 (+1000, +3000).
 */
import { PRIVATE_SHM_DIR } from './private-shm.js'; // first: sets PIPELINE_VIEWER_SHM_DIR
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listSegments } from '../../src/protocol/node/shm.js';
import {
  compile,
  createNdArray,
  Pipeline,
  readPlate,
  run,
  Step,
  viewerManagerFor,
  type NdArray
} from '../../src/runtime/index.js';
import { writeSyntheticPlate } from '../../src/runtime/plate/synthetic-plate.js';
import {
  ensureLibBuilt,
  killServers,
  removeTempViewerHome,
  useTempViewerHome
} from './server-harness.js';

const PORT = 21330;
let work: string;
let frozen: number | null = null;

beforeAll(() => {
  ensureLibBuilt();
  useTempViewerHome('frozen');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-frozen-'));
}, 320_000);

afterAll(async () => {
  if (frozen !== null) process.kill(frozen, 'SIGCONT');
  await killServers(PORT);
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(PRIVATE_SHM_DIR, { recursive: true, force: true });
  removeTempViewerHome();
});

function double(stack: NdArray): NdArray {
  const out = new Uint16Array(stack.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(65535, (stack.data[i] as number) * 2);
  return createNdArray(out, stack.shape, 'uint16');
}

// The bound is the test's timeout: below the 30 s readiness wait the run used to sit in.
it('a run with a frozen server finishes, writes its outputs and reports the drops', async () => {
  const plateDir = path.join(work, 'plate');
  await writeSyntheticPlate(plateDir, {
    wells: 2,
    sites: 1,
    channels: 2,
    zPlanes: 1,
    width: 32,
    height: 32
  });
  const plan = await compile(
    new Pipeline({
      name: 'frozen',
      steps: [new Step({ name: 'Double', func: double, streaming: { enabled: true, port: PORT } })]
    }),
    await readPlate(plateDir),
    { output_dir: path.join(work, 'out') }
  );
  const viewer = viewerManagerFor({ port: PORT });
  frozen = (await viewer.start()).pid;
  process.kill(frozen, 'SIGSTOP');

  const result = await run(plan);

  expect(result.ok).toBe(true);
  expect(result.wells.flatMap(w => w.outputs)).toHaveLength(4);
  expect(result.stream.total).toMatchObject({ sent: 0, dropped: 4 });
  expect(result.stream.total.errors.join('\n')).toMatch(
    /did not answer ping within 500 ms at the end of the run \(frozen or hung\?\)/
  );
  process.kill(frozen, 'SIGCONT');
  frozen = null;
  expect(listSegments()).toEqual([]);
}, 25_000);
