/**
 * Finding 2 of issue 9: commands that change or read the server's state need proof that the
 * sender is its user. ping stays open; status, clear_state and shutdown without the secret
 * of the server's record (or with a wrong one) get "not authorized", are counted and do
 * nothing. The record is 0600 in a 0700 home and goes away at a clean shutdown; the log is
 * 0600. Port 20074 (+1000, +3000).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { controlRequest, ping } from '../../src/protocol/node/index.js';
import { sendBatch, startServer, within, type RunningServer } from './server-process.js';
import { injectedBatch } from './zmtp-smuggling.js';

const PORT = 20074;
let server: RunningServer;

beforeAll(async () => {
  server = await startServer(PORT);
});
afterAll(async () => {
  await server?.stop();
});

/** A client with no record of the server: another user, or a page that reached the port. */
const stranger = { timeoutMs: 10_000, env: { PIPELINE_VIEWER_HOME: '/nonexistent/plv-stranger' } };

async function layers(): Promise<string[]> {
  const reply = await controlRequest(PORT, { type: 'status' }, { timeoutMs: 10_000 });
  if (reply.type !== 'status') throw new Error(`expected status, got ${JSON.stringify(reply)}`);
  return reply.status.layers.map(l => l.key);
}

const mode = (file: string) => fs.statSync(file).mode & 0o777;
/** Where the server's record is: `<viewer home>/servers/<data port>.json`. */
const recordFile = () => path.join(server.home, 'servers', `${PORT}.json`);

it('ping is open and names the owner; status, clear_state and shutdown without the secret do nothing', async () => {
  const pong = await ping(PORT, stranger);
  expect(pong).toMatchObject({ pid: server.child.pid, uid: process.getuid!() });
  expect(await sendBatch(PORT, injectedBatch('mine') as never, [], 'dealer')).toMatchObject({
    accepted: 1
  });

  for (const type of ['status', 'clear_state', 'shutdown'] as const) {
    const reply = await controlRequest(PORT, { type }, stranger);
    expect(reply.type).toBe('error');
    expect(reply.type === 'error' && reply.error).toMatch(
      new RegExp(`^not authorized: ${type} carries no secret; only the user who started`)
    );
  }
  const wrong = await controlRequest(PORT, { type: 'clear_state', auth: 'x'.repeat(43) }, stranger);
  expect(wrong.type === 'error' && wrong.error).toMatch(
    /not authorized: clear_state carries a wrong secret/
  );

  expect(server.child.exitCode).toBeNull();
  expect(await layers()).toEqual(['mine']);
  const reply = await controlRequest(PORT, { type: 'status' }, { timeoutMs: 10_000 });
  expect(reply.type === 'status' && reply.status.counters.control_unauthorized).toBe(4);
  expect(await within(layers(), 1000)).toEqual(['mine']);
});

it('the record is 0600 in 0700 folders, holds the secret and token, and the log is 0600', () => {
  const file = recordFile();
  expect(mode(server.home)).toBe(0o700);
  expect(mode(path.dirname(file))).toBe(0o700);
  expect(mode(file)).toBe(0o600);
  const record = JSON.parse(fs.readFileSync(file, 'utf8'));
  expect(record).toMatchObject({
    pid: server.child.pid,
    uid: process.getuid!(),
    requested_port: PORT,
    ports: { data: PORT, control: PORT + 1000, http: PORT + 3000 }
  });
  expect(record.secret).toMatch(/^[\w-]{43}$/);
  expect(record.browser_token).toMatch(/^[\w-]{43}$/);
  expect(record.browser_token).not.toBe(record.secret);
  expect(mode(path.join(server.home, `viewer-server-${PORT}.log`))).toBe(0o600);
});

it('the owner clears and shuts down with the secret; the record goes away at the shutdown', async () => {
  const cleared = await controlRequest(PORT, { type: 'clear_state' }, { timeoutMs: 10_000 });
  expect(cleared).toEqual({ type: 'clear_state_ack', status: 'success' });
  expect(await layers()).toEqual([]);
  const ack = await controlRequest(PORT, { type: 'shutdown' }, { timeoutMs: 10_000 });
  expect(ack).toEqual({ type: 'shutdown_ack' });
  expect(await within(server.exit, 10_000)).toBe(0);
  expect(fs.existsSync(recordFile())).toBe(false);
});
