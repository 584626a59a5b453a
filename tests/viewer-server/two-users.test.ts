/**
 * Finding 3 of issue 9: one viewer per user on a shared host. Two Unix users (plvtest1,
 * plvtest2, created when missing) ask for the same data port: the second gets a server of
 * its own on the next free port; neither can read, clear or stop the other's (no record, no
 * secret: refused, the owner unaffected); each streams into its own; an IPC peer of the other
 * uid is refused even when the socket is reachable. Needs root (to create users and run
 * processes as them): skipped with a message otherwise. Ports 20090 and 20091 (+1000, +3000).
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BIN, requireBuild, ROOT } from './server-process.js';

const PORT = 20090;
/** The port user 2 got for PORT (found by the first test). */
let user2Port = PORT + 1;
const USERS = ['plvtest1', 'plvtest2'] as const;
type User = (typeof USERS)[number];
const CLIENT = path.join(ROOT, 'tests/viewer-server/fixtures/user-client.mjs');
const isRoot = process.getuid?.() === 0;
const homes = {} as Record<User, string>;

if (!isRoot)
  console.warn('two-users.test.ts skipped: needs root to create users and run processes as them');
const maybe = isRoot ? it : it.skip;

/** Runs `node args…` as `user` with that user's viewer home; bounded at 45 s. */
function as(
  user: User,
  args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'runuser',
      [
        '-u',
        user,
        '--',
        'env',
        `PIPELINE_VIEWER_HOME=${homes[user]}`,
        `HOME=${homes[user]}`,
        process.execPath,
        ...args
      ],
      { cwd: ROOT, env: { PATH: process.env.PATH } }
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${user}: node ${args.join(' ')} did not finish within 45 s`));
    }, 45_000);
    child.on('exit', code => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const cli = (user: User, ...args: string[]) => as(user, [BIN, 'server', ...args]);
const json = (out: { stdout: string; stderr: string }) => {
  try {
    return JSON.parse(out.stdout); // the CLI prints one JSON document, user-client.mjs one line
  } catch {
    throw new Error(`no JSON on stdout: ${out.stdout}\nstderr: ${out.stderr}`);
  }
};

beforeAll(() => {
  if (!isRoot) return;
  requireBuild();
  for (const user of USERS) {
    try {
      execFileSync('id', ['-u', user], { stdio: 'ignore' });
    } catch {
      execFileSync('useradd', ['-M', '-s', '/usr/sbin/nologin', user]);
    }
    homes[user] = fs.mkdtempSync(path.join(os.tmpdir(), `plv-${user}-`));
    execFileSync('chown', [user, homes[user]]);
    // The built package must be readable by them (no chmod of the machine: fail clearly instead).
    execFileSync('runuser', [
      '-u',
      user,
      '--',
      'test',
      '-r',
      path.join(ROOT, 'lib/viewer-server/main.js')
    ]);
  }
});

afterAll(async () => {
  if (!isRoot) return;
  for (const user of USERS) {
    for (const port of [PORT, user2Port])
      await cli(user, 'stop', '--port', String(port)).catch(() => undefined);
    fs.rmSync(homes[user], { recursive: true, force: true });
  }
});

maybe(
  'a second user asking for the same port gets a server of its own on another port',
  async () => {
    const first = json(await cli('plvtest1', 'start', '--port', String(PORT)));
    expect(first).toMatchObject({ server: 'started', ports: { data: PORT } });
    const second = json(await cli('plvtest2', 'start', '--port', String(PORT)));
    expect(second).toMatchObject({ server: 'started', requested_port: PORT });
    // The next free port from PORT on (PORT + 1 unless another program holds it).
    user2Port = second.ports.data;
    expect(user2Port).toBeGreaterThan(PORT);
    expect(second.pid).not.toBe(first.pid);
    expect(json(await cli('plvtest2', 'start', '--port', String(PORT)))).toMatchObject({
      server: 'already running',
      pid: second.pid
    });
  },
  120_000
);

maybe(
  'each user streams into its own server through the runtime, which reports the port used',
  async () => {
    const one = json(await as('plvtest1', [CLIENT, 'show', String(PORT), 'from-user1']));
    const two = json(await as('plvtest2', [CLIENT, 'show', String(PORT), 'from-user2']));
    expect(one).toMatchObject({ dataPort: PORT, reply: { status: 'success', accepted: 1 } });
    expect(two).toMatchObject({ dataPort: user2Port, reply: { status: 'success', accepted: 1 } });
    const layers = async (user: User) =>
      json(await cli(user, 'status', '--port', String(PORT))).layers.map(
        (l: { key: string }) => l.key
      );
    expect(await layers('plvtest1')).toEqual(['from-user1']);
    expect(await layers('plvtest2')).toEqual(['from-user2']);
  },
  120_000
);

maybe(
  "a user cannot read, clear or stop another user's server on its port",
  async () => {
    const owner = json(await cli('plvtest1', 'status', '--port', String(PORT)));
    // Straight to user 1's control port, without a record: no secret to send, or a guess.
    for (const type of ['status', 'clear_state', 'shutdown']) {
      for (const auth of [[], ['guessed-secret-guessed-secret-guessed-sec']]) {
        const reply = json(await as('plvtest2', [CLIENT, 'control', String(PORT), type, ...auth]));
        expect(reply).toMatchObject({
          type: 'error',
          error: expect.stringMatching(/^not authorized/)
        });
      }
    }
    // The record with the secret is out of reach.
    const read = await as('plvtest2', [
      '-e',
      `require('fs').readFileSync(${JSON.stringify(path.join(homes.plvtest1, 'servers', `${PORT}.json`))})`
    ]);
    expect(read.code).not.toBe(0);
    expect(read.stderr).toMatch(/EACCES/);

    // User 2's CLI for that port acts on user 2's own server only.
    expect(json(await cli('plvtest2', 'clear', '--port', String(PORT)))).toMatchObject({
      cleared: true,
      port: user2Port
    });
    const stopped = json(await cli('plvtest2', 'stop', '--port', String(PORT)));
    expect(stopped).toMatchObject({ stopped: true, ports: { data: user2Port } });

    const after = json(await cli('plvtest1', 'status', '--port', String(PORT)));
    expect(after.pid).toBe(owner.pid);
    expect(after.layers.map((l: { key: string }) => l.key)).toEqual(['from-user1']);
    expect(after.counters.control_unauthorized).toBe(6);
  },
  180_000
);

maybe(
  'an IPC peer of another uid is refused even when the socket is reachable',
  async () => {
    // Normally the 0700 home already keeps user 2 out; open it up to reach the ZAP check.
    const socket = path.join(homes.plvtest1, `data-${PORT}.sock`);
    fs.chmodSync(homes.plvtest1, 0o711);
    fs.chmodSync(socket, 0o777);
    try {
      const other = json(await as('plvtest2', [CLIENT, 'ipc', `ipc://${socket}`]));
      expect(other).toEqual({ replied: false });
      const own = json(await as('plvtest1', [CLIENT, 'ipc', `ipc://${socket}`]));
      expect(own).toEqual({ replied: true });
    } finally {
      fs.chmodSync(homes.plvtest1, 0o700);
    }
    const status = json(await cli('plvtest1', 'status', '--port', String(PORT)));
    expect(status.counters.peers_refused_reasons.foreign_uid).toBeGreaterThanOrEqual(1);
    expect(status.layers.map((l: { key: string }) => l.key).sort()).toEqual([
      'from-user1',
      'over-ipc'
    ]);
  },
  120_000
);
