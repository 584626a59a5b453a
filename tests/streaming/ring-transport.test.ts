/**
 * Issue 14, part 1: pixels through a producer's ring of shared-memory slots, end to end with
 * the REAL server process: the slots are reused message after message and the server stores
 * exactly what was written into them; a producer killed with SIGKILL, or one whose server
 * was killed, leaves nothing behind in shared memory. Port 24350 (+1000, +3000; 24300–24330 are the HTTP ports of ownership.test.ts's servers).
 */
import { PRIVATE_SHM_DIR } from './private-shm.js'; // first: sets PIPELINE_VIEWER_SHM_DIR
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { controlRequest, ping } from '../../src/protocol/node/index.js';
import { listSegments } from '../../src/protocol/node/shm.js';
import { listRingSlots } from '../../src/protocol/node/shm-ring.js';
import {
  getPlane,
  planeQuery,
  startServer,
  type RunningServer
} from '../viewer-server/server-process.js';
import { ensureLibBuilt, ROOT } from './server-harness.js';

const PORT = 24350;
const SIZE = 128;
const IMAGES = 3;
let server: RunningServer;
const children: ChildProcess[] = [];

beforeAll(async () => {
  ensureLibBuilt();
  server = await startServer(PORT);
}, 320_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await server?.stop();
  fs.rmSync(PRIVATE_SHM_DIR, { recursive: true, force: true });
});

/** A producer process (fixtures/ring-producer.mjs) and its JSON lines, each read within 15 s. */
function producer() {
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'tests/streaming/fixtures/ring-producer.mjs'),
      JSON.stringify({ port: PORT, size: SIZE, images: IMAGES })
    ],
    { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env } } // jest's env: the private shm dir
  );
  children.push(child);
  const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    let timer: NodeJS.Timeout | undefined;
    const line = await Promise.race([
      lines.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no line from the producer in 15 s')), 15_000);
      })
    ]).finally(() => clearTimeout(timer));
    if (line.done) throw new Error('the producer exited');
    return JSON.parse(line.value as string) as Record<string, unknown>;
  };
  const command = async (text: string) => {
    child.stdin!.write(text + '\n');
    return next();
  };
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
  return { child, next, command, exited };
}

/** Polls `check` every 100 ms until it holds or `ms` pass; returns whether it held. */
async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise(r => setTimeout(r, 100));
  }
  return true;
}

const slotsOf = (pid: number) =>
  listRingSlots().filter(name => name.slice(5, 13) === pid.toString(16).padStart(8, '0'));

it('the server offers the ring, and a producer reuses its slots message after message', async () => {
  const pong = await ping(PORT, { timeoutMs: 5000 });
  expect(pong?.transports).toEqual(expect.arrayContaining(['ring', 'segment', 'frames']));
  const p = producer();
  const { pid } = (await p.next()) as { pid: number };
  for (const well of ['A01', 'A02', 'A03']) {
    expect(await p.command(`send ${well}`)).toMatchObject({
      errors: [],
      dropped: 0,
      transport: 'ring'
    });
  }
  // 9 images in 3 messages, through the same 3 slots: reused, not one per image.
  expect(slotsOf(pid)).toHaveLength(IMAGES);
  expect(listSegments()).toEqual([]);
  // What the server stored is what was written into the slots, message after message.
  const status = await controlRequest(PORT, { type: 'status' }, { timeoutMs: 5000 });
  if (status.type !== 'status') throw new Error(JSON.stringify(status));
  const layer = status.status.layers.find(l => l.image_count === 9)!;
  for (const well of ['A01', 'A03'])
    for (let z = 1; z <= IMAGES; z++) {
      const plane = await getPlane(PORT, planeQuery(layer.key, { well, z_index: z }, SIZE));
      expect(plane.status).toBe(200);
      const pixels = new Uint16Array(plane.body.buffer, plane.body.byteOffset, SIZE * SIZE);
      expect(pixels.every(v => v === z)).toBe(true);
    }
  p.child.stdin!.write('exit\n');
  expect(await p.exited).toBe(0);
  expect(slotsOf(pid)).toEqual([]); // unlinked at its exit
}, 60_000);

it('a producer killed with SIGKILL leaves no slot behind: the server sweeps them', async () => {
  const p = producer();
  const { pid } = (await p.next()) as { pid: number };
  expect(await p.command('send B01')).toMatchObject({ errors: [], dropped: 0, transport: 'ring' });
  expect(slotsOf(pid)).toHaveLength(IMAGES);
  p.child.kill('SIGKILL');
  await p.exited;
  // The server checks its ring producers every 2 s.
  expect(await eventually(() => slotsOf(pid).length === 0, 10_000)).toBe(true);
}, 60_000);

it('a producer whose server was killed with SIGKILL leaves no slot behind', async () => {
  const p = producer();
  const { pid } = (await p.next()) as { pid: number };
  expect(await p.command('send C01')).toMatchObject({ errors: [], dropped: 0, transport: 'ring' });
  server.child.kill('SIGKILL');
  await server.exit;
  expect(await p.command('send C02')).toMatchObject({ dropped: IMAGES });
  p.child.stdin!.write('exit\n');
  expect(await p.exited).toBe(0);
  expect(slotsOf(pid)).toEqual([]);
  expect(listSegments()).toEqual([]);
}, 60_000);
