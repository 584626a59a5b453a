/**
 * `pipeline-viewer server list` and the readiness `server connect` reports, through the real
 * bin script: what the Jupyter server extension offers the panel (issue 10, defects 2, 3, 16).
 * Data ports 21002–21004.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { newSecret, writeServerRecord } from '../../src/protocol/node/index.js';
import { BIN, requireBuild, tempHome } from './server-process.js';

const PORT = 21002;
/** A record of this (live) test process whose ports nothing listens on: a server starting up. */
const STARTING_PORT = 21004;
const home = tempHome();
const env = { ...process.env, PIPELINE_VIEWER_HOME: home };

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  requireBuild();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'server', ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pipeline-viewer server ${args.join(' ')} did not finish within 45 s`));
    }, 45_000);
    child.on('exit', code => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

afterAll(async () => {
  await cli('stop', '--port', String(PORT));
  fs.rmSync(home, { recursive: true, force: true });
}, 60_000);

it("lists this user's running servers without secrets, and none once stopped", async () => {
  expect(JSON.parse((await cli('list')).stdout)).toEqual({ servers: [] });
  const started = JSON.parse((await cli('start', '--port', String(PORT))).stdout);

  const listed = await cli('list');
  expect(listed.code).toBe(0);
  const { servers } = JSON.parse(listed.stdout);
  expect(servers).toEqual([
    {
      requested_port: PORT,
      pid: started.pid,
      started_at: expect.any(Number),
      ports: { data: PORT, control: PORT + 1000, http: PORT + 3000 }
    }
  ]);
  expect(listed.stdout).not.toMatch(/secret|token/);

  const connect = JSON.parse((await cli('connect', '--port', String(PORT))).stdout);
  expect(connect).toMatchObject({ pid: started.pid, ready: true });

  await cli('stop', '--port', String(PORT));
  expect(JSON.parse((await cli('list')).stdout)).toEqual({ servers: [] });
}, 120_000);

it('connect says not ready while a recorded server does not answer ping yet', async () => {
  writeServerRecord(
    {
      pid: process.pid,
      uid: process.getuid?.() ?? -1,
      version: 1,
      requested_port: STARTING_PORT,
      ports: { data: STARTING_PORT, control: STARTING_PORT + 1000, http: STARTING_PORT + 3000 },
      secret: newSecret(),
      browser_token: newSecret(),
      started_at: Date.now() / 1000
    },
    env
  );
  const connect = await cli('connect', '--port', String(STARTING_PORT));
  expect(connect.code).toBe(0);
  expect(JSON.parse(connect.stdout)).toMatchObject({ pid: process.pid, ready: false });
}, 60_000);

it('list takes no options', async () => {
  const bad = await cli('list', '--port', String(PORT));
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('unknown argument "--port"');
});
