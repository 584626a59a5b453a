/**
 * The warm spare plate source (issue 17, open speed) on the real compiled server: once ready,
 * the server has forked one `plate-source-main.js --spare`; `open_plate` opens the plate in
 * that process (no new fork) and its planes are the files'; a new spare follows SPARE_AGAIN_MS
 * later; clear ends the plate's source and keeps the spare; stop (SIGTERM) and kill -9 leave
 * no process behind. Ports 29000, 29002 (+1000, +3000).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { controlRequest } from '../../src/protocol/node/index.js';
import { SPARE_AGAIN_MS } from '../../src/viewer-server/core/disk-plates.js';
import { makePlate, type PlateManifest } from '../runtime/fixture-plates.js';
import { getPlane, planeQuery, startServer, within } from './server-process.js';

const PORT = 29000;
const KILLED_PORT = 29002;
const WAIT_MS = 15_000;

let tmp: string;
let plate: string;
let manifest: PlateManifest;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'open-plate-spare-'));
  plate = path.join(tmp, 'ome-zarr-0.4');
  manifest = await makePlate('ome-zarr-0.4', plate);
}, 120_000);
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Children of `pid`, from ps (the plate sources and the spare it forked). */
async function childrenOf(pid: number): Promise<number[]> {
  const { stdout } = await promisify(execFile)('ps', ['-o', 'pid=', '--ppid', String(pid)]).catch(
    () => ({ stdout: '' })
  );
  return stdout.split(/\s+/).filter(Boolean).map(Number);
}

/** Is `pid` a running process (not gone, not a zombie left for init to reap)? */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Polls `check` every 100 ms until it holds or `ms` pass; the last value either way. */
async function until<T>(get: () => Promise<T>, check: (v: T) => boolean, ms = WAIT_MS): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await get();
  while (!check(value) && Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, 100));
    value = await get();
  }
  return value;
}

const sum = (body: Uint8Array) =>
  new Uint16Array(body.buffer, body.byteOffset, body.byteLength / 2).reduce((a, b) => a + b, 0);

it('the spare opens the plate, a new spare follows, clear keeps it, stop ends them all', async () => {
  const server = await startServer(PORT);
  try {
    const pid = server.child.pid!;
    const [spare] = await until(
      () => childrenOf(pid),
      c => c.length === 1
    );
    expect(spare).toBeGreaterThan(0);
    const reply = await controlRequest(
      PORT,
      { type: 'open_plate', path: plate },
      { timeoutMs: 40_000 }
    );
    expect(reply.type).toBe('open_plate_ack');
    // the plate's source is the spare: nothing was forked for the open
    expect(await childrenOf(pid)).toEqual([spare]);
    const key = reply.type === 'open_plate_ack' ? reply.layer : '';
    for (const image of [manifest.images[0], manifest.images[manifest.images.length - 1]]) {
      const { well, site, channel, z_index, timepoint } = image;
      const plane = await getPlane(
        PORT,
        planeQuery(key, { well, site, channel, z_index, timepoint }, 4096)
      );
      expect(plane.status).toBe(200);
      expect(sum(plane.body)).toBe(image.sum);
    }
    // the next spare, SPARE_AGAIN_MS after the open
    const both = await until(
      () => childrenOf(pid),
      c => c.length === 2,
      SPARE_AGAIN_MS + WAIT_MS
    );
    const next = both.find(p => p !== spare);
    expect(both).toContain(spare);
    expect(next).toBeDefined();
    const cleared = await controlRequest(PORT, { type: 'clear_state' }, { timeoutMs: 10_000 });
    expect(cleared.type).toBe('clear_state_ack');
    expect(
      await until(
        () => childrenOf(pid),
        c => c.length === 1
      )
    ).toEqual([next]);
    await server.stop();
    expect(
      await until(
        async () => alive(next!),
        a => !a
      )
    ).toBe(false);
  } finally {
    await server.stop();
  }
}, 120_000);

it('a server killed with -9 leaves no spare behind (it exits when its channel closes)', async () => {
  const server = await startServer(KILLED_PORT);
  try {
    const [spare] = await until(
      () => childrenOf(server.child.pid!),
      c => c.length === 1
    );
    expect(spare).toBeGreaterThan(0);
    server.child.kill('SIGKILL');
    expect(await within(server.exit, WAIT_MS)).not.toBe('timeout');
    expect(
      await until(
        async () => alive(spare),
        a => !a
      )
    ).toBe(false);
  } finally {
    await server.stop();
  }
}, 60_000);
