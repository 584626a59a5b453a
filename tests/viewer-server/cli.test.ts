/** `pipeline-viewer server start|status|stop` round trip through the real bin script. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { ServerStatusSchema } from '../../src/protocol/index.js';
import { BIN, requireBuild, tempHome } from './server-process.js';

const PORT = 20040;
const home = tempHome();

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  requireBuild();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, PIPELINE_VIEWER_HOME: home }
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pipeline-viewer ${args.join(' ')} did not finish within 45 s`));
    }, 45_000);
    child.on('exit', code => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

afterAll(async () => {
  await cli('server', 'stop', '--port', String(PORT));
  fs.rmSync(home, { recursive: true, force: true });
});

it('starts a detached server, reuses it, prints status JSON, stops it and frees the ports', async () => {
  const started = await cli('server', 'start', '--port', String(PORT));
  expect(started.code).toBe(0);
  const first = JSON.parse(started.stdout);
  expect(first).toMatchObject({
    server: 'started',
    ports: { data: PORT, control: PORT + 1000, http: PORT + 3000 }
  });
  expect(fs.existsSync(first.log)).toBe(true);

  const again = JSON.parse((await cli('server', 'start', '--port', String(PORT))).stdout);
  expect(again).toMatchObject({ server: 'already running', pid: first.pid });

  const status = await cli('server', 'status', '--port', String(PORT));
  expect(status.code).toBe(0);
  const parsed = ServerStatusSchema.parse(JSON.parse(status.stdout));
  expect(parsed).toMatchObject({
    pid: first.pid,
    layers: [],
    counters: { messages: 0, images: 0, bytes: 0, dropped: 0, errors: 0 }
  });

  const stopped = await cli('server', 'stop', '--port', String(PORT));
  expect(stopped.code).toBe(0);
  expect(JSON.parse(stopped.stdout)).toMatchObject({ stopped: true, pid: first.pid });

  const gone = await cli('server', 'status', '--port', String(PORT));
  expect(gone.code).toBe(1);
  expect(gone.stderr).toMatch(`no viewer server answers on port ${PORT}`);
});

it('rejects bad arguments with a clear message', async () => {
  const bad = await cli('server', 'start', '--port', 'abc');
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--port abc: data port must be an integer in 1024\.\.62535/);
  const unknown = await cli('server', 'status', '--frobnicate', '1');
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toMatch(/unknown argument "--frobnicate"/);
});
