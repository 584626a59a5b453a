/**
 * The real server refuses shared-memory names that do not lead to a segment its own user
 * wrote: a symlink, a FIFO, another user's file, a hard link, and a segment larger than
 * its memory budget (refused before any byte is allocated). /dev/shm is world-writable, so
 * any local user can plant such names. Planted files that are not ours are left alone.
 * Port 20081 (+1000, +3000); the server runs with a 256 MiB budget.
 */
// First: a private shared-memory dir for this file and its server (see private-shm.ts).
import { PRIVATE_SHM_DIR } from '../streaming/private-shm.js';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  controlRequest,
  newSegmentName,
  SHM_DIR,
  writeSegment
} from '../../src/protocol/node/index.js';
import {
  getPlane,
  planeQuery,
  sendBatch,
  startServer,
  within,
  type RunningServer
} from './server-process.js';

const PORT = 20081;
const BUDGET = 256 * 1024 ** 2;
let server: RunningServer;

beforeAll(async () => {
  server = await startServer(PORT, ['--memory-budget', String(BUDGET)]);
});
afterAll(async () => {
  await server?.stop();
  fs.rmSync(PRIVATE_SHM_DIR, { recursive: true, force: true });
});

function plant(): { name: string; file: string } {
  const name = newSegmentName();
  return { name, file: path.join(SHM_DIR, name) };
}

function exists(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

async function status() {
  const reply = await controlRequest(PORT, { type: 'status' }, { timeoutMs: 5000 });
  if (reply.type !== 'status') throw new Error(`expected status, got ${JSON.stringify(reply)}`);
  return reply.status;
}

/** One uint8 image of `shape` read from segment `name`, into layer `layer`. */
function sendSegment(name: string, layer: string, shape: number[], dtype = 'uint8') {
  return sendBatch(PORT, {
    type: 'batch',
    images: [
      {
        path: `/probe/${layer}.tif`,
        shape,
        dtype: dtype as 'uint8',
        image_id: layer,
        shm_name: name
      }
    ],
    layer_name: layer
  });
}

function vmRssBytes(pid: number): number {
  const line = fs
    .readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find(l => l.startsWith('VmRSS:'));
  if (!line) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(line.split(/\s+/)[1]) * 1024;
}

describe('shared-memory segments the server refuses', () => {
  it('refuses a symlink to a readable file: not served, target untouched, link left alone', async () => {
    const secret = path.join(server.home, 'secret.bin');
    const content = Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 13) % 256));
    fs.writeFileSync(secret, content);
    const { name, file } = plant();
    fs.symlinkSync(secret, file);

    const reply = await sendSegment(name, 'symlink-probe', [16, 16]);
    expect(reply.status).toBe('error');
    expect(reply.status === 'error' && reply.error).toMatch(/symbolic link/);

    const plane = await getPlane(PORT, planeQuery('symlink-probe', {}, 16));
    expect(plane.status).toBe(404);
    expect(Buffer.from(plane.body).equals(content)).toBe(false);
    expect(fs.readFileSync(secret).equals(content)).toBe(true);
    expect(fs.lstatSync(file).isSymbolicLink()).toBe(true);
    expect((await status()).counters.segments_refused_reasons?.symlink).toBe(1);
  });

  it('refuses a FIFO promptly; status still answers within 1 s', async () => {
    const { name, file } = plant();
    execFileSync('mkfifo', ['-m', '600', file]);

    const reply = await within(sendSegment(name, 'fifo-probe', [16, 16]), 5000);
    expect(reply).not.toBe('timeout');
    expect(reply !== 'timeout' && reply.status === 'error' && reply.error).toMatch(
      /not a regular file/
    );
    const answered = await within(
      controlRequest(PORT, { type: 'status' }, { timeoutMs: 1000 }),
      1000
    );
    expect(answered !== 'timeout' && answered.type).toBe('status');
    expect(fs.lstatSync(file).isFIFO()).toBe(true);
  });

  it("refuses another user's file and leaves it in place", async () => {
    const name = writeSegment(new Uint8Array(256).fill(7));
    const file = path.join(SHM_DIR, name);
    fs.chownSync(file, 65534, 65534);

    const reply = await sendSegment(name, 'owner-probe', [16, 16]);
    expect(reply.status === 'error' && reply.error).toMatch(/owned by uid 65534/);
    expect((await getPlane(PORT, planeQuery('owner-probe', {}, 16))).status).toBe(404);
    expect(fs.statSync(file).uid).toBe(65534);
  });

  it('refuses a hard link (a second name of some other file) and leaves it in place', async () => {
    const other = path.join(SHM_DIR, `plv-test-other-${process.pid}`);
    fs.writeFileSync(other, new Uint8Array(256).fill(9), { mode: 0o600 });
    const { name, file } = plant();
    fs.linkSync(other, file);

    const reply = await sendSegment(name, 'link-probe', [16, 16]);
    expect(reply.status === 'error' && reply.error).toMatch(/2 names/);
    expect(exists(file) && exists(other)).toBe(true);
  });

  it('refuses a segment larger than the memory budget before allocating it', async () => {
    const { name, file } = plant();
    const bytes = 1024 ** 3;
    fs.writeFileSync(file, '', { mode: 0o600 });
    fs.truncateSync(file, bytes); // sparse: costs no memory until read
    const before = vmRssBytes(server.child.pid!);

    const reply = await sendSegment(name, 'budget-probe', [8192, 16384], 'float64');
    expect(reply.status === 'error' && reply.error).toMatch(/memory budget/);
    const grown = vmRssBytes(server.child.pid!) - before;
    expect(grown).toBeLessThan(64 * 1024 ** 2);
    // Our own regular file: the server owns it once named, so it is unlinked.
    expect(exists(file)).toBe(false);
    const counters = (await status()).counters;
    expect(counters.segments_refused_reasons?.['over-budget']).toBe(1);
    expect(counters.segments_refused).toBeGreaterThanOrEqual(5);
  });
});
