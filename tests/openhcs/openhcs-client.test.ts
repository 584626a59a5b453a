/**
 * OpenHCS 0.8.6 users stream into the panel unchanged (issue 13): its own client
 * (FileManager.save_batch(..., "napari_stream") with the stream request a step builds) over
 * TCP and over its default IPC, its discovery and launch checks, and a malicious pickle on
 * the control port. Real packages from PyPI (scripts/requirements-openhcs.txt), the compiled
 * server, real ZeroMQ and shared memory. Ports 21585 (+1000, +3000) and acks on 21597 (21500-21579 are P+1000 of other tests' data ports 20500-20579).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { ServerStatusSchema, type LayerSummary } from '../../src/protocol/index.js';
import { controlRequest, SHM_DIR } from '../../src/protocol/node/index.js';
import { tokenHeaders } from '../viewer-server/browser-token.js';
import { fixtureOutput, runFixture, startServer, type OpenHcsServer } from './openhcs-server.js';

const PORT = 21585;
const ACK_PORT = 21597;
let server: OpenHcsServer;

interface StreamOutput {
  batches: number;
  images: number;
  shm_names: string[];
  acks_pending: number | null;
  log: string[];
}

beforeAll(async () => {
  server = await startServer(PORT, ACK_PORT);
});
afterAll(async () => {
  await server?.stop();
});

/** api/state on a fresh connection (a kept-alive one may be closed by the server meanwhile). */
function layers(): Promise<LayerSummary[]> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      `http://127.0.0.1:${PORT + 3000}/api/state`,
      { headers: tokenHeaders(PORT), agent: false, timeout: 10_000 },
      res => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve((JSON.parse(body) as { layers: LayerSummary[] }).layers));
      }
    );
    req.on('timeout', () => req.destroy(new Error('api/state: no answer within 10 s')));
    req.on('error', reject);
  });
}

function labels(layer: LayerSummary | undefined): Record<string, string[]> {
  return Object.fromEntries((layer?.axes ?? []).map(a => [a.name, a.labels]));
}

function stream(mode: 'tcp' | 'ipc', wells?: number): StreamOutput {
  const run = runFixture(
    'openhcs_stream.py',
    [PORT, mode, ACK_PORT, ...(wells === undefined ? [] : [wells])],
    server.home
  );
  const out = fixtureOutput<StreamOutput>(run);
  // Python prints resource_tracker warnings on stderr when a segment was unlinked twice
  // or never: there must be none, nor any warning OpenHCS logged.
  expect(run.stderr).not.toMatch(/resource_tracker|leaked|Warning/i);
  expect(out.log).toEqual([]);
  return out;
}

function expectSegmentsGone(names: string[]): void {
  expect(names.length).toBeGreaterThan(0);
  expect(names.filter(name => fs.existsSync(path.join(SHM_DIR, name)))).toEqual([]);
}

async function clear(): Promise<void> {
  const reply = await controlRequest(PORT, { type: 'clear_state' }, { timeoutMs: 5000 });
  expect(reply.type).toBe('clear_state_ack');
}

it.each(['tcp', 'ipc'] as const)(
  "streams 2 steps x 3 wells x 2 channels x 2 z through OpenHCS's own client over %s",
  async mode => {
    await clear();
    const out = stream(mode);
    expect(out.batches).toBe(6);
    expect(out.images).toBe(24);
    expectSegmentsGone(out.shm_names);
    const byKey = new Map((await layers()).map(l => [l.key, l]));
    expect([...byKey.keys()].sort()).toEqual(['1. Normalize', '2. Enhance']);
    for (const layer of byKey.values()) {
      expect(layer.image_count).toBe(12);
      expect(labels(layer)).toEqual({
        site: ['Site 1'],
        channel: ['Ch1: DAPI', 'Ch2: GFP'],
        z_index: ['Z 1', 'Z 2'],
        timepoint: ['T 1'],
        well: ['Well A01', 'Well A02', 'Well B01']
      });
    }
  }
);

it('lays the well axis out from the declared domain before the other wells arrive', async () => {
  await clear();
  const out = stream('ipc', 1);
  expect(out.batches).toBe(2);
  const all = await layers();
  expect(all.map(l => [l.key, l.image_count])).toEqual([
    ['1. Normalize', 4],
    ['2. Enhance', 4]
  ]);
  expect(labels(all[0]).well).toEqual(['Well A01', 'Well A02', 'Well B01']);
});

it('acks each image to the ack port OpenHCS listens on', async () => {
  await clear();
  const out = stream('tcp');
  expect(out.acks_pending).toBe(0);
  const status = await controlRequest(PORT, { type: 'status' }, { timeoutMs: 5000 });
  if (status.type !== 'status') throw new Error(`no status: ${JSON.stringify(status)}`);
  expect(status.status.counters.openhcs_acks_sent).toBeGreaterThanOrEqual(24);
});

it("OpenHCS's discovery finds a ready viewer; its launch path neither kills nor replaces it", () => {
  for (const mode of ['tcp', 'ipc']) {
    const out = fixtureOutput<Record<string, unknown>>(
      runFixture('openhcs_discovery.py', [PORT, mode], server.home)
    );
    expect(out).toEqual({
      pong: {
        ready: true,
        server_role: 'viewer',
        application: { application_id: 'openhcs', application_version: '0.8.6' }
      },
      ping_control_port: true,
      in_use: true,
      check_connected_viewer: true,
      existing_viewer_is_ready: true,
      wait_for_ready: true,
      settle_viewer_state: true,
      fresh_start: `RuntimeError: Napari viewer on port ${PORT} did not acknowledge shutdown before a fresh start.`
    });
    expect(server.child.exitCode).toBeNull();
    expect(server.child.signalCode).toBeNull();
  }
});

it('refuses a pickle that calls os.system by REDUCE, without effect, and counts it', async () => {
  const marker = path.join(server.home, 'pwned');
  const out = fixtureOutput<{
    replies: Record<string, Record<string, unknown>>;
    marker_exists: boolean;
  }>(runFixture('control_pickles.py', [PORT, marker], server.home));
  expect(out.marker_exists).toBe(false);
  expect(out.replies.exploit).toEqual({
    status: 'error',
    message: expect.stringMatching(/opcode STACK_GLOBAL refused/)
  });
  expect(out.replies.exploit_protocol_2.message).toMatch(/opcode GLOBAL refused/);
  expect(out.replies.shutdown).toEqual({
    status: 'error',
    message: expect.stringMatching(/^not authorized: shutdown/)
  });
  expect(out.replies.clear_state).toEqual({ status: 'success', type: 'clear_state_ack' });
  expect(out.replies.ping).toMatchObject({ type: 'pong', ready: true, port: PORT });
  const status = await controlRequest(PORT, { type: 'status' }, { timeoutMs: 5000 });
  const counters = ServerStatusSchema.parse((status as { status: unknown }).status).counters;
  expect(counters.control_pickles_refused).toBe(2);
  expect(counters.control_unauthorized).toBeGreaterThanOrEqual(1);
  expect(server.child.exitCode).toBeNull();
});
