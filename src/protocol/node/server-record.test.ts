import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import * as net from 'node:net';
import { listenerUids } from './port-probe.js';
import {
  findOwnServer,
  isLive,
  liveServerRecord,
  ownProcessAlive,
  removeServerRecord,
  serverRecordPath,
  writeServerRecord,
  type ServerRecord
} from './server-record.js';
import { ensurePrivateDir, ViewerHomeError } from './viewer-home.js';

let home: string;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-record-'));
  env = { PIPELINE_VIEWER_HOME: home };
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

/** A record of this (live) process on data port `data`, asked for as `requested`. */
function record(data: number, requested = data, pid = process.pid): ServerRecord {
  return {
    pid,
    uid: process.getuid!(),
    version: 1,
    requested_port: requested,
    // Control ports nobody listens on: the listener check has nothing to refuse.
    ports: { data, control: data + 1000, http: data + 3000 },
    secret: 'a'.repeat(43),
    browser_token: 'b'.repeat(43),
    started_at: Date.now() / 1000
  };
}

it('writes 0600 in a 0700 folder, atomically, and reads back only live records of ours', () => {
  const file = writeServerRecord(record(20301), env);
  expect(file).toBe(serverRecordPath(20301, env));
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
  expect(fs.readdirSync(path.dirname(file))).toEqual(['20301.json']); // no temp file left
  expect(liveServerRecord(20301, env)?.secret).toBe('a'.repeat(43));

  fs.chmodSync(file, 0o644); // readable by others: not trusted
  expect(liveServerRecord(20301, env)).toBeNull();
  fs.chmodSync(file, 0o600);
  fs.chownSync(file, 65534, 65534); // someone else's file (we run as root in CI)
  if (process.getuid!() === 0) expect(liveServerRecord(20301, env)).toBeNull();
});

it('ignores a record whose process is gone, and removes only its own', () => {
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  writeServerRecord(record(20302, 20302, dead), env);
  expect(liveServerRecord(20302, env)).toBeNull();
  removeServerRecord(20302, process.pid, env); // not ours to remove
  expect(fs.existsSync(serverRecordPath(20302, env))).toBe(true);
  removeServerRecord(20302, dead, env);
  expect(fs.existsSync(serverRecordPath(20302, env))).toBe(false);
});

it('finds the server for a requested port on its own port or through the requested → actual mapping', () => {
  writeServerRecord(record(20304, 20303), env);
  expect(findOwnServer(20303, env)?.ports.data).toBe(20304);
  expect(findOwnServer(20304, env)?.ports.data).toBe(20304);
  expect(findOwnServer(20305, env)).toBeNull();
  writeServerRecord(record(20303), env); // a server of ours on the port itself wins
  expect(findOwnServer(20303, env)?.ports.data).toBe(20303);
});

it('keeps the viewer home private: 0700, and refuses a folder of another user', () => {
  fs.chmodSync(home, 0o755);
  ensurePrivateDir(home);
  expect(fs.statSync(home).mode & 0o777).toBe(0o700);
  if (process.getuid!() !== 0) return; // chown needs root
  const foreign = path.join(home, 'foreign');
  fs.mkdirSync(foreign);
  fs.chownSync(foreign, 65534, 65534);
  expect(() => ensurePrivateDir(foreign)).toThrow(ViewerHomeError);
  expect(() => ensurePrivateDir(foreign)).toThrow(/belongs to uid 65534, not to you/);
});

describe('ownProcessAlive', () => {
  it('reads a killed process nobody reaped (a zombie) as gone', async () => {
    // A parent that never waits for its child: the child stays a zombie, as a server killed
    // with SIGKILL does under a parent or init that does not reap (Jupyter in a container).
    const parent = spawn('python3', [
      '-c',
      'import os, time\npid = os.fork()\nif pid == 0: os._exit(0)\nprint(pid, flush=True)\ntime.sleep(30)'
    ]);
    try {
      const pid = await new Promise<number>((resolve, reject) => {
        parent.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
        parent.once('error', reject);
      });
      const deadline = Date.now() + 5000;
      const state = () => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
      while (state() !== 'Z' && Date.now() < deadline) await new Promise(r => setTimeout(r, 20));
      expect(state()).toBe('Z');
      expect(ownProcessAlive(pid)).toBe(false);
      expect(ownProcessAlive(parent.pid!)).toBe(true);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});

describe('isLive', () => {
  /** listenerUids, counted: each call reads /proc/net/tcp{,6} (38 ms here). */
  function countedOwners() {
    const calls: number[] = [];
    const owners = (port: number) => {
      calls.push(port);
      return listenerUids(port);
    };
    return { calls, owners };
  }

  it('reads the socket table once per server: a listener seen to be ours stays ours while its process lives', async () => {
    const control = 29251; // h6's range
    const listener = net.createServer();
    await new Promise<void>(resolve => listener.listen(control, '127.0.0.1', resolve));
    try {
      const live = { ...record(28251), ports: { data: 28251, control, http: 31251 } };
      const { calls, owners } = countedOwners();
      expect(isLive(live, owners)).toBe(true);
      expect(isLive(live, owners)).toBe(true);
      expect(isLive(live, owners)).toBe(true);
      expect(calls).toEqual([control]);
      // Another process (a dead one here) on the same port is checked anew, and is not live.
      const dead = spawnSync(process.execPath, ['-e', '']).pid!;
      expect(isLive({ ...live, pid: dead }, owners)).toBe(false);
    } finally {
      await new Promise(resolve => listener.close(resolve));
    }
  });

  it('asks again while nothing listens yet (the server binds after writing its record)', () => {
    const idle = { ...record(28252), ports: { data: 28252, control: 29252, http: 31252 } };
    const { calls, owners } = countedOwners();
    expect(isLive(idle, owners)).toBe(true);
    expect(isLive(idle, owners)).toBe(true);
    expect(calls).toEqual([29252, 29252]);
  });
});
