/**
 * A user's clients reuse and command only a server proven to be that user's (its record in
 * the viewer home): a stale record (dead pid) is ignored and replaced, and a requested port
 * held by a program that is not ours gives this user a server on the next free port, which
 * start, status, connect and stop for the requested port then find (through the real CLI),
 * and to which the runtime streams, reporting the port it used.
 * Ports 20076, 20077, 20078 and 20079 (+1000, +3000).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { PROGRESS_MIME_TYPE } from '../../src/protocol/index.js';
import { ping } from '../../src/protocol/node/index.js';
import { showInViewer, type MimeBundle } from '../../src/runtime/notebook/index.js';
import { viewerStreamSink } from '../../src/runtime/streaming/viewer-sink.js';
import { BIN, requireBuild, spawnMain, tempHome, within } from './server-process.js';

const home = tempHome();
const env = { ...process.env, PIPELINE_VIEWER_HOME: home };
/** Holds `port` like any program that is not a viewer server of ours; close() frees it. */
async function squat(port: number): Promise<net.Server> {
  const squatter = net.createServer();
  await new Promise<void>(resolve => squatter.listen(port, '127.0.0.1', resolve));
  return squatter;
}

/** A server's record: `<viewer home>/servers/<data port>.json`. */
const recordFile = (port: number) => path.join(home, 'servers', `${port}.json`);

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  requireBuild();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env });
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
  for (const port of [20076, 20078]) await cli('server', 'stop', '--port', String(port));
  fs.rmSync(home, { recursive: true, force: true });
});

it('a stale record (dead pid) is ignored, and the next start replaces it', async () => {
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  const file = recordFile(20076);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const stale = {
    pid: dead,
    uid: process.getuid!(),
    version: 1,
    requested_port: 20076,
    ports: { data: 20076, control: 21076, http: 23076 },
    secret: 's'.repeat(43),
    browser_token: 't'.repeat(43),
    started_at: 0
  };
  fs.writeFileSync(file, JSON.stringify(stale), { mode: 0o600 });

  const status = await cli('server', 'status', '--port', '20076');
  expect(status.code).toBe(1);
  expect(status.stderr).toMatch(/no viewer server answers on port 20076/);

  const started = await cli('server', 'start', '--port', '20076');
  expect(started.code).toBe(0);
  const { pid } = JSON.parse(started.stdout);
  expect(JSON.parse(started.stdout)).toMatchObject({ server: 'started', ports: { data: 20076 } });
  const record = JSON.parse(fs.readFileSync(file, 'utf8'));
  expect(record.pid).toBe(pid);
  expect(record.secret).not.toBe(stale.secret);
  expect((await cli('server', 'status', '--port', '20076')).code).toBe(0);
});

it('a requested port held by another program: this user gets the next free port, found again by the requested one', async () => {
  // An old 0644 log and a 0755 home from before: both end up private.
  fs.chmodSync(home, 0o755);
  fs.writeFileSync(path.join(home, 'viewer-server-20079.log'), 'old\n', { mode: 0o644 });
  const squatter = await squat(20078);
  try {
    const started = await cli('server', 'start', '--port', '20078');
    expect(started.stderr).toBe('');
    const first = JSON.parse(started.stdout);
    expect(first).toMatchObject({
      server: 'started',
      requested_port: 20078,
      ports: { data: 20079, control: 21079, http: 23079 },
      log: path.join(home, 'viewer-server-20079.log')
    });
    expect(JSON.parse(fs.readFileSync(recordFile(20079), 'utf8'))).toMatchObject({
      requested_port: 20078,
      pid: first.pid
    });
    expect(fs.statSync(home).mode & 0o777).toBe(0o700);
    expect(fs.statSync(first.log).mode & 0o777).toBe(0o600);

    const again = JSON.parse((await cli('server', 'start', '--port', '20078')).stdout);
    expect(again).toMatchObject({
      server: 'already running',
      pid: first.pid,
      ports: { data: 20079 }
    });
    const status = JSON.parse((await cli('server', 'status', '--port', '20078')).stdout);
    expect(status).toMatchObject({ pid: first.pid, ports: { data: 20079 } });
    const connect = JSON.parse((await cli('server', 'connect', '--port', '20078')).stdout);
    expect(connect).toEqual({
      requested_port: 20078,
      pid: first.pid,
      ports: { data: 20079, control: 21079, http: 23079 },
      browser_token: expect.stringMatching(/^[\w-]{43}$/),
      ready: true,
      started_at: expect.any(Number)
    });
    const stopped = await cli('server', 'stop', '--port', '20078');
    expect(JSON.parse(stopped.stdout)).toMatchObject({ stopped: true, pid: first.pid });
    expect(await ping(20079, { timeoutMs: 500 })).toBeNull();
    expect(fs.existsSync(recordFile(20079))).toBe(false);
  } finally {
    await new Promise(resolve => squatter.close(resolve));
  }
}, 120_000);

it('the runtime streams to the port actually used and reports it (stream report, show output)', async () => {
  process.env.PIPELINE_VIEWER_HOME = home; // the runtime runs in this process, as this user
  const squatter = await squat(20078);
  try {
    const sink = await viewerStreamSink({ port: 20078 });
    // a bound, not a timing: a server start here takes 2-4 s under load (1 s failed then)
    expect(await sink.flush(30_000)).toMatchObject({ port: 20079, errors: [] });
    await sink.close();
    const shown: MimeBundle[] = [];
    const data = new Uint8Array([1, 2, 3, 4]);
    const reply = await showInViewer(
      { data, shape: [2, 2], dtype: 'uint8' },
      { port: 20078, name: 'shown', display: bundle => void shown.push(bundle) }
    );
    expect(reply).toMatchObject({ status: 'success', accepted: 1 });
    expect(shown[0][PROGRESS_MIME_TYPE]).toMatchObject({ port: 20079 });
    const status = JSON.parse((await cli('server', 'status', '--port', '20078')).stdout);
    expect(status.layers.map((l: { key: string }) => l.key)).toEqual(['shown']);
  } finally {
    await new Promise(resolve => squatter.close(resolve));
  }
}, 120_000);

it('a server that cannot write its record stops with a clear message (no unprovable server)', async () => {
  const broken = tempHome();
  fs.writeFileSync(path.join(broken, 'servers'), 'not a folder');
  const { child, exit } = spawnMain(20077, broken);
  let stderr = '';
  child.stderr!.on('data', (text: string) => (stderr += text));
  try {
    expect(await within(exit, 20_000)).toBe(1);
    expect(stderr).toMatch(/data port 20077: cannot write its record in the viewer home/);
    expect(await ping(20077, { timeoutMs: 500 })).toBeNull();
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(broken, { recursive: true, force: true });
  }
});
