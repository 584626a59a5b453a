/**
 * Clear is durable at once (issue 17): Clear, then kill -9 before the server finished
 * deleting the cleared planes' files, and the next server starts empty. Before, every plane
 * whose files were not yet deleted came back as a live layer. Port 29210 (+1000, +3000).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { httpPort, type ViewerState } from '../../src/protocol/index.js';
import { controlRequest } from '../../src/protocol/node/index.js';
import { tokenHeaders } from './browser-token.js';
import { RestartedServers, sendBatch, tempHome } from './server-process.js';

const PORT = 29210;
const SIDE = 16; // 512 bytes: sent inline, no shared memory needed
const PLANES = 1000; // enough files that deleting them outlasts the kill
const home = tempHome();
process.env.PIPELINE_VIEWER_HOME = home;
const planesDir = path.join(home, 'store', String(PORT), 'planes.zarr');
const servers = new RestartedServers(home);

afterAll(async () => {
  await servers.stopAll();
  fs.rmSync(home, { recursive: true, force: true });
});

async function state(): Promise<ViewerState> {
  const res = await fetch(`http://127.0.0.1:${httpPort(PORT)}/api/state`, {
    headers: tokenHeaders(PORT),
    signal: AbortSignal.timeout(10_000)
  });
  return (await res.json()) as ViewerState;
}

/** Planes whose metadata is in the store (written after the chunk, deleted before it). */
function savedPlanes(): number {
  if (!fs.existsSync(planesDir)) return 0;
  return fs
    .readdirSync(planesDir)
    .filter(n => /^p\d+$/.test(n) && fs.existsSync(path.join(planesDir, n, 'zarr.json'))).length;
}

async function sendWells(first: number, count: number): Promise<void> {
  const reply = await sendBatch(PORT, {
    type: 'batch',
    display_config: {
      component_modes: { source: 'slice', well: 'stack' },
      colormap: 'gray',
      variable_size_handling: 'pad_to_max'
    },
    images: Array.from({ length: count }, (_, i) => ({
      path: `/Raw/w${first + i}`,
      shape: [SIDE, SIDE],
      dtype: 'uint16' as const,
      image_id: `w${first + i}`,
      data: Array.from({ length: SIDE * SIDE }, (_, j) => (j + first + i) & 0xffff),
      metadata: { source: 'Raw', well: `w${first + i}` }
    }))
  });
  expect(reply).toMatchObject({ status: 'success', accepted: count });
}

it('Clear, then kill -9 at once: the next server starts empty, the cleared files go', async () => {
  let server = await servers.start(PORT);
  for (let i = 0; i < PLANES; i += 50) await sendWells(i, 50);
  const deadline = Date.now() + 60_000;
  while (savedPlanes() < PLANES && Date.now() < deadline) await new Promise(r => setTimeout(r, 50));
  expect(savedPlanes()).toBe(PLANES);

  const reply = await controlRequest(PORT, { type: 'clear_state' }, { timeoutMs: 10_000 });
  server.child.kill('SIGKILL'); // the deletes of 1000 planes' files are still under way
  expect(reply.type).toBe('clear_state_ack');
  await servers.stop(server, 'SIGKILL');
  const leftBehind = savedPlanes();
  expect(leftBehind).toBeGreaterThan(0); // else this test would show nothing

  server = await servers.start(PORT);
  expect((await state()).layers).toEqual([]);
  expect(savedPlanes()).toBe(0);
  const log = fs.readFileSync(servers.logFile(PORT), 'utf8');
  expect(log).toContain(
    `store: ${leftBehind} plane(s) a Clear had not finished deleting were removed`
  );
  // A plane sent after the restart is stored and kept (the Clear's mark is gone).
  await sendWells(0, 1);
  while (savedPlanes() < 1 && Date.now() < deadline) await new Promise(r => setTimeout(r, 50));
  await servers.stop(server, 'SIGKILL');
  server = await servers.start(PORT);
  expect((await state()).layers.map(l => [l.key, l.image_count])).toEqual([['source_Raw', 1]]);
  await servers.stop(server);
}, 180_000);
