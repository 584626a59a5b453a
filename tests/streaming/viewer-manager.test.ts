/**
 * ViewerManager under Node against the REAL viewer server (see server-harness.ts for how lib/
 * is built), and its start errors. Ports 20150-20152 (+1000, +3000).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { controlRequest } from '../../src/protocol/node/control-client.js';
import { ServerStartError } from '../../src/protocol/node/server-process.js';
import { defaultServerScript, ViewerManager } from '../../src/runtime/streaming/viewer-manager.js';
import {
  ensureLibBuilt,
  killServers,
  SERVER_MAIN,
  useTempViewerHome,
  removeTempViewerHome
} from './server-harness.js';

let home: string;
beforeAll(() => {
  ensureLibBuilt();
  home = useTempViewerHome('viewer-manager');
}, 320_000);

afterAll(async () => {
  await killServers(20150);
  removeTempViewerHome();
});

it('finds the built server entry from its own module URL', () => {
  expect(defaultServerScript()).toBe(SERVER_MAIN);
  expect(() => new ViewerManager({ port: 80 })).toThrow(
    /data port must be an integer in 1024..62535 .*got 80/
  );
});

it('start, show (binary variant), clear, stop a non-persistent server', async () => {
  const viewer = new ViewerManager({ port: 20150, persistent: false });
  expect(await viewer.isRunning()).toBe(false);
  const pong = await viewer.start();
  expect(viewer.pid).toBe(pong.pid);
  expect(await viewer.isRunning()).toBe(true);
  expect(fs.existsSync(path.join(home, 'viewer-server-20150.log'))).toBe(true);

  const data = new Float32Array(30 * 40).map((_, i) => i / 7);
  const reply = await viewer.show(
    { data, shape: [30, 40], dtype: 'float32' },
    { name: 'manual', colormap: 'cividis', metadata: { well: 'B03' } }
  );
  expect(reply).toEqual({ status: 'success', type: 'batch', accepted: 1, rejected: 0 });
  const status = await controlRequest(20150, { type: 'status' }, { timeoutMs: 5000 });
  if (status.type !== 'status') throw new Error(status.type);
  expect(status.status.layers).toEqual([
    expect.objectContaining({
      key: 'manual',
      dtype: 'float32',
      shape: [30, 40],
      image_count: 1,
      colormap: 'cividis'
    })
  ]);

  await viewer.clear();
  const cleared = await controlRequest(20150, { type: 'status' }, { timeoutMs: 5000 });
  expect(cleared.type === 'status' && cleared.status.layers).toEqual([]);

  await viewer.stop();
  expect(await viewer.isRunning()).toBe(false);
}, 60_000);

it('a server that never gets ready: a clear error naming the port and the log file, within the bound', async () => {
  // A stand-in entry that stays alive without answering (and exits on its own after 5 s).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-silent-'));
  const silent = path.join(dir, 'silent.mjs');
  fs.writeFileSync(silent, 'setTimeout(() => process.exit(0), 5000);\n');
  const log = path.join(dir, 'silent.log');
  const viewer = new ViewerManager({
    port: 20151,
    serverScript: silent,
    logFile: log,
    readyTimeoutMs: 1500
  });
  const t0 = performance.now();
  const error = await viewer.start().catch((e: unknown) => e);
  expect(performance.now() - t0).toBeLessThan(10_000);
  expect(error).toBeInstanceOf(ServerStartError);
  fs.rmSync(dir, { recursive: true, force: true });
  expect((error as Error).message).toMatch(
    /port 20151 did not answer ping within 1500 ms; see its log .*silent\.log/
  );
}, 30_000);

it('a server entry that exits with an error: reported at once with its exit code and log', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-failing-'));
  const failing = path.join(dir, 'failing.mjs');
  fs.writeFileSync(failing, 'console.error("boom"); process.exit(1);\n');
  const log = path.join(dir, 'failing.log');
  const viewer = new ViewerManager({ port: 20152, serverScript: failing, logFile: log });
  const error = await viewer.start().catch((e: unknown) => e);
  expect((error as Error).message).toMatch(
    /port 20152 exited with code 1 before it was ready; see its log .*failing\.log/
  );
  expect(fs.readFileSync(log, 'utf8')).toContain('boom');
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);
