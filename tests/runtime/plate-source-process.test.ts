/**
 * The plate source process (lib/runtime/plate/plate-source-main.js, built by `npx tsc -b`), as a
 * viewer server starts it: forked with an IPC channel on a Harmony export written by the
 * fixtures' generator. It says ready with the plate's description, serves planes as typed
 * arrays (binned when asked), answers a bad request with an error naming it, fails clearly on a missing folder,
 * and exits when its parent closes the channel. Every wait is bounded.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { binShrink2 } from '../../src/protocol/bin-shrink.js';
import { makePlate, type PlateManifest } from './fixture-plates.js';

const MAIN = path.resolve('lib/runtime/plate/plate-source-main.js');
const WAIT_MS = 20_000;

type Message = Record<string, unknown>;

function start(dir: string): ChildProcess {
  return fork(MAIN, [dir], {
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc']
  });
}

/** The next message of `child` that satisfies `accept`, within WAIT_MS. */
function next(child: ChildProcess, accept: (m: Message) => boolean): Promise<Message> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', on);
      reject(new Error(`no message within ${WAIT_MS} ms`));
    }, WAIT_MS);
    const on = (m: Message) => {
      if (!accept(m)) return;
      clearTimeout(timer);
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no exit within ${WAIT_MS} ms`)), WAIT_MS);
    child.once('exit', code => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('plate source process', () => {
  let tmp: string;
  let manifest: PlateManifest;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'plate-source-process-'));
    manifest = await makePlate('harmony', path.join(tmp, 'harmony'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('serves planes of the plate it opened, and exits with its parent', async () => {
    const child = start(path.join(tmp, 'harmony'));
    try {
      const ready = await next(child, m => m.type === 'ready' || m.type === 'failed');
      expect(ready).toMatchObject({
        type: 'ready',
        description: { format: 'harmony', images: 48, dtype: 'uint16', shape: [24, 32] }
      });
      const image = manifest.images[5];
      child.send({ id: 1, type: 'plane', position: image, level: 0 });
      const plane = await next(child, m => m.id === 1);
      expect(plane.dtype).toBe('uint16');
      expect(plane.shape).toEqual([24, 32]);
      // (jest runs tests in a vm context: another realm's Uint16Array, so no instanceof)
      expect(Object.prototype.toString.call(plane.data)).toBe('[object Uint16Array]');
      expect((plane.data as Uint16Array).reduce((a, b) => a + b, 0)).toBe(image.sum);
      child.send({ id: 2, type: 'plane', position: image, level: 3 });
      expect(await next(child, m => m.id === 2)).toEqual({
        id: 2,
        error: expect.stringMatching(/stores 1 level\(s\) \(0–0\); level 3 asked/)
      });
      // halved twice before it is sent (a grid's level below the stored ones), as the server would
      child.send({ id: 4, type: 'planes', items: [{ position: image, level: 0, bins: 2 }] });
      const [binned] = (await next(child, m => m.id === 4)).planes as Message[];
      expect(binned).toMatchObject({ dtype: 'uint16', shape: [6, 8], binned: 2 });
      const half = binShrink2(Uint16Array.from(plane.data as Uint16Array), 24, 32, 'uint16');
      expect([...(binned.data as Uint16Array)]).toEqual([...binShrink2(half, 12, 16, 'uint16')]);
      child.send({ id: 5, type: 'plane', position: image, level: 0, bins: -1 });
      expect((await next(child, m => m.id === 5)).error).toMatch(/bins must be an integer 0–31/);
      child.send({ id: 3, type: 'delete' });
      expect((await next(child, m => m.id === 3)).error).toMatch(/unknown request "delete"/);
      child.disconnect();
      expect(await exitOf(child)).toBe(0);
    } finally {
      child.kill();
    }
  });

  it('says why it cannot open a folder that holds no plate, and exits 1', async () => {
    const child = start(path.join(tmp, 'no-such-plate'));
    try {
      const failed = await next(child, m => m.type === 'ready' || m.type === 'failed');
      expect(failed).toEqual({ type: 'failed', error: expect.stringMatching(/does not exist/) });
      expect(await exitOf(child)).toBe(1);
    } finally {
      child.kill();
    }
  });
});
