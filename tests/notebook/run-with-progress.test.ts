/**
 * runWithProgress against the REAL viewer server process: a clean run ends "done" with the
 * server's pid; a run whose server is killed mid-run ends "degraded" with why and how many
 * frames were lost, and shows no dead pid (issue 10, defect 17: it used to read a green
 * "done" with 75 % of the frames dropped and the dead server's pid). Port 21040 (+1000, +3000).
 */
import { PRIVATE_SHM_DIR } from '../streaming/private-shm.js'; // first: sets PIPELINE_VIEWER_SHM_DIR
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROGRESS_MIME_TYPE, RunProgressSchema } from '../../src/protocol/notebook-display.js';
import { runWithProgress, type DisplayFn } from '../../src/runtime/notebook/index.js';
import {
  compile,
  createNdArray,
  Pipeline,
  readPlate,
  Step,
  type NdArray,
  type RunEvent
} from '../../src/runtime/index.js';
import { writeSyntheticPlate } from '../../src/runtime/plate/synthetic-plate.js';
import {
  ensureLibBuilt,
  killServers,
  removeTempViewerHome,
  serverPids,
  useTempViewerHome
} from '../streaming/server-harness.js';

const PORT = 21040;
let work: string;

beforeAll(() => {
  ensureLibBuilt();
  useTempViewerHome('run-progress');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-progress-'));
}, 320_000);

afterAll(async () => {
  await killServers(PORT);
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(PRIVATE_SHM_DIR, { recursive: true, force: true });
  removeTempViewerHome();
});

async function plan(name: string) {
  const plateDir = path.join(work, `plate-${name}`);
  await writeSyntheticPlate(plateDir, {
    wells: 4,
    sites: 1,
    channels: 2,
    zPlanes: 2,
    width: 64,
    height: 64
  });
  const slowCopy = async (stack: NdArray): Promise<NdArray> => {
    await new Promise(r => setTimeout(r, 40));
    return createNdArray(new Uint16Array(stack.data as Uint16Array), stack.shape, 'uint16');
  };
  const pipeline = new Pipeline({
    name,
    steps: [new Step({ name: 'Slow', func: slowCopy, streaming: { enabled: true, port: PORT } })]
  });
  return compile(pipeline, await readPlate(plateDir), {
    output_dir: path.join(work, `out-${name}`),
    well_concurrency: 1,
    stream_flush_timeout_ms: 8000
  });
}

/** The last progress the run displayed. */
function recorder() {
  let last: unknown = null;
  const display: DisplayFn = bundle => void (last = bundle[PROGRESS_MIME_TYPE]);
  return { display, last: () => RunProgressSchema.parse(last) };
}

it('a clean run ends done, with the live server pid', async () => {
  const { display, last } = recorder();
  const result = await runWithProgress(await plan('clean'), { display });
  expect(result.stream.total).toMatchObject({ sent: 16, dropped: 0 });
  const [pid] = serverPids(PORT);
  expect(last()).toMatchObject({ phase: 'done', frames_streamed: 16, drops: 0, server_pid: pid });
  expect(last().warning).toBeUndefined();
}, 150_000);

it('a run whose server was killed mid-run ends degraded, says why, and shows no dead pid', async () => {
  const { display, last } = recorder();
  let killed: number[] = [];
  const onEvent = (e: RunEvent) => {
    if (e.type === 'step-finished' && killed.length === 0) {
      killed = serverPids(PORT);
      for (const pid of killed) process.kill(pid, 'SIGKILL');
    }
  };
  const result = await runWithProgress(await plan('killed'), { display, onEvent });
  expect(killed).toHaveLength(1);
  const { sent, dropped } = result.stream.total;
  expect(dropped).toBeGreaterThan(0);

  const end = last();
  expect(end).toMatchObject({ phase: 'degraded', drops: dropped, server_pid: null });
  expect(end.warning).toBe(
    `the viewer server on port ${PORT} stopped during the run (pid ${killed[0]} is gone): ` +
      `${dropped} of ${sent + dropped} frames (${Math.round((100 * dropped) / (sent + dropped))} %) dropped`
  );
}, 150_000);
