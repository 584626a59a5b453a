/**
 * Compare runs (issue 17, part 3) on the real compiled server: "keep this run" (POST
 * api/keep) renames the layers of the run that made a layer; the pipeline's next run (which
 * clears its owner's earlier runs, as the runtime does) streams into fresh layers beside
 * them; both have the same axes (well, channel, z) and each its own run's pixels; the kept
 * run survives a restart and a third run. Ports 24510-24511 (+1000, +3000).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { httpPort, type ViewerState } from '../../src/protocol/index.js';
import { controlRequest, writeSegment } from '../../src/protocol/node/index.js';
import { tokenHeaders } from './browser-token.js';
import {
  getPlane,
  planeQuery,
  sendBatch,
  spawnMain,
  tempHome,
  waitReady,
  within
} from './server-process.js';

const PORT = 24510;
const [H, W] = [32, 40];
const OWNER = 'notebook session · pipeline "Cells"';
const home = tempHome();
process.env.PIPELINE_VIEWER_HOME = home;
let server: ReturnType<typeof spawnMain> | undefined;

async function start(): Promise<void> {
  server = spawnMain(PORT, home);
  await waitReady(PORT);
}
async function stop(): Promise<void> {
  server?.child.kill('SIGTERM');
  if ((await within(server!.exit, 30_000)) === 'timeout') throw new Error('server did not stop');
  server = undefined;
}
afterAll(async () => {
  server?.child.kill('SIGKILL');
  if (server) await server.exit;
  fs.rmSync(home, { recursive: true, force: true });
});

const pixels = (run: number, well: string, channel: number, z: number) =>
  Uint16Array.from(
    { length: H * W },
    (_, i) => (i + run * 5000 + channel * 300 + z * 70 + well.charCodeAt(0)) & 0xffff
  );
const SLOTS = ['A01', 'B02'].flatMap(well =>
  [1, 2].flatMap(channel => [1, 2].map(z => ({ well, channel, z })))
);

/** One run of the pipeline, as the runtime streams it: clear the owner's other runs, then send. */
async function run(n: number, owner = OWNER): Promise<void> {
  const cleared = await controlRequest(
    PORT,
    { type: 'clear_owner', owner, except_run: `r${n}` },
    { timeoutMs: 10_000 }
  );
  expect(cleared.type).toBe('clear_owner_ack');
  for (const { well, channel, z } of SLOTS) {
    const reply = await sendBatch(PORT, {
      type: 'batch',
      display_config: {
        component_modes: { source: 'slice', well: 'stack', channel: 'stack', z_index: 'stack' },
        colormap: 'gray',
        variable_size_handling: 'pad_to_max'
      },
      run: { owner, id: `r${n}` },
      images: [
        {
          path: `/r${n}/${well}_c${channel}_z${z}`,
          shape: [H, W],
          dtype: 'uint16',
          image_id: `${n}-${well}-${channel}-${z}`,
          shm_name: writeSegment(pixels(n, well, channel, z)),
          metadata: { source: 'Cells', well, channel, z_index: z }
        }
      ]
    });
    expect(reply).toMatchObject({ status: 'success', accepted: 1 });
  }
}

async function api(method: 'GET' | 'POST', what: string) {
  const res = await fetch(`http://127.0.0.1:${httpPort(PORT)}/${what}`, {
    method,
    headers: tokenHeaders(PORT),
    signal: AbortSignal.timeout(10_000)
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function planeOf(layer: string, at: { well: string; channel: number; z: number }) {
  const reply = await getPlane(
    PORT,
    planeQuery(layer, { well: at.well, channel: at.channel, z_index: at.z }, 4096)
  );
  expect(reply.status).toBe(200);
  return new Uint16Array(reply.body.buffer, reply.body.byteOffset, reply.body.byteLength / 2);
}

async function expectBothRuns(kept: number, live: number): Promise<void> {
  const state = (await api('GET', 'api/state')).body as ViewerState;
  const byKey = new Map(state.layers.map(l => [l.key, l]));
  expect([...byKey.keys()].sort()).toEqual(['source_Cells', `source_Cells (run 1)`]);
  // The same axes: the two runs are matched by well, channel and z.
  expect(byKey.get('source_Cells (run 1)')!.axes).toEqual(byKey.get('source_Cells')!.axes);
  for (const at of SLOTS) {
    expect(await planeOf('source_Cells (run 1)', at)).toEqual(
      pixels(kept, at.well, at.channel, at.z)
    );
    expect(await planeOf('source_Cells', at)).toEqual(pixels(live, at.well, at.channel, at.z));
  }
}

it('keeps a run beside the next one, matched by well, channel and z, across a restart', async () => {
  await start();
  await run(1);
  const kept = await api('POST', 'api/keep?layer=source_Cells');
  expect(kept).toEqual({
    status: 200,
    body: {
      run: { owner: OWNER, id: 'r1' },
      label: 'run 1',
      layers: [{ from: 'source_Cells', to: 'source_Cells (run 1)' }],
      skipped: []
    }
  });
  await run(2); // its clear_owner leaves the kept run alone
  await expectBothRuns(1, 2);

  await stop();
  await start();
  await expectBothRuns(1, 2);
  await run(3);
  await expectBothRuns(1, 3);
  expect(fs.readFileSync(path.join(home, `viewer-server-${PORT}.log`), 'utf8')).toContain(
    `kept run 1 of ${JSON.stringify(OWNER)}: source_Cells → source_Cells (run 1)`
  );
});

it('says why when nothing can be kept', async () => {
  expect(await api('POST', 'api/keep?layer=nope')).toEqual({
    status: 404,
    body: { error: 'no layer "nope"' }
  });
  expect(await api('POST', 'api/keep?layer=source_Cells%20(run%201)')).toEqual({
    status: 409,
    body: { error: 'layer "source_Cells (run 1)" is a kept run already' }
  });
  expect((await api('POST', 'api/keep')).status).toBe(400);
  expect((await api('POST', 'api/state')).status).toBe(405);
  await stop();
});
