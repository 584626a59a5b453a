/**
 * A server too busy to answer the flush's ping (500 ms) is not a dead one: the messages in
 * flight when the flush stops waiting are reported as unconfirmed, not dropped, their ring
 * slots stay readable, and the server's late reply makes the counts true. Before, they were
 * counted as dropped while the server went on to store them (seen: sent 1052, stored 1062), or
 * their retired slots gave the server ENOENT (a missing segment, an error in its counters).
 * The REAL server is paused with SIGSTOP for about a second with one message in flight.
 * A killed server is gone: what was in flight is dropped at once, never left unconfirmed.
 * Port 29220 (+1000, +3000).
 */
import { PRIVATE_SHM_DIR } from './private-shm.js'; // first: sets PIPELINE_VIEWER_SHM_DIR
import * as fs from 'node:fs';
import { controlRequest } from '../../src/protocol/node/index.js';
import { listRingSlots } from '../../src/protocol/node/shm-ring.js';
import type { StreamBatch, StreamSink } from '../../src/runtime/model/stream-sink.js';
import { viewerStreamSink } from '../../src/runtime/index.js';
import {
  ensureLibBuilt,
  killServers,
  serverPids,
  removeTempViewerHome,
  useTempViewerHome
} from './server-harness.js';

const PORT = 29220;
const SIZE = 256; // 128 KiB per image: above the inline bound, so each goes through a ring slot
let paused: number | null = null;

beforeAll(() => {
  ensureLibBuilt();
  useTempViewerHome('busy-flush');
}, 320_000);

afterAll(async () => {
  if (paused !== null) process.kill(paused, 'SIGCONT');
  await killServers(PORT);
  fs.rmSync(PRIVATE_SHM_DIR, { recursive: true, force: true });
  removeTempViewerHome();
});

function batch(well: string, images: number): StreamBatch {
  return {
    step: 'Busy',
    well,
    display: {
      component_modes: { source: 'slice', well: 'stack', z_index: 'stack' },
      colormap: 'gray',
      variable_size_handling: 'pad_to_max'
    },
    componentNames: {},
    items: Array.from({ length: images }, (_, i) => ({
      path: `/busy/${well}/${i}`,
      array: {
        data: new Uint16Array(SIZE * SIZE).fill(i + 1),
        shape: [SIZE, SIZE],
        dtype: 'uint16'
      },
      metadata: { z_index: i + 1 }
    }))
  };
}

async function counters() {
  const reply = await controlRequest(PORT, { type: 'status' }, { timeoutMs: 10_000 });
  if (reply.type !== 'status') throw new Error(`status: ${JSON.stringify(reply)}`);
  return reply.status.counters;
}

/** Flushes until nothing is unconfirmed any more (the late reply came), within `ms`. */
async function settled(sink: StreamSink, ms: number) {
  const deadline = Date.now() + ms;
  let report = await sink.flush(1000);
  while ((report.unconfirmed ?? 0) > 0 && Date.now() < deadline) {
    await new Promise(r => setTimeout(r, 100));
    report = await sink.flush(1000);
  }
  return report;
}

it('a flush that stops waiting for a busy server: unconfirmed, then reconciled by its reply', async () => {
  const sink = await viewerStreamSink({ port: PORT, persistent: true }, { transport: 'ring' });
  sink.enqueue(batch('A01', 1));
  expect(await sink.flush(60_000)).toMatchObject({ sent: 1, dropped: 0 });
  const [pid] = serverPids(PORT);

  process.kill(pid, 'SIGSTOP'); // busy: it answers neither the message nor the ping
  paused = pid;
  sink.enqueue(batch('A02', 4));
  const atFlush = await sink.flush(30_000); // gives up after one missed ping
  process.kill(pid, 'SIGCONT');
  paused = null;
  expect(atFlush).toMatchObject({ sent: 1, dropped: 0, unconfirmed: 4 });
  expect(atFlush.errors.join('\n')).toMatch(/4 images? unconfirmed/);

  const after = await settled(sink, 20_000);
  expect(after).toMatchObject({ sent: 5, dropped: 0 });
  expect(after.unconfirmed ?? 0).toBe(0);
  const c = await counters();
  expect(c).toMatchObject({ images: 5, dropped: 0, errors: 0 });
  expect(c.segments_refused ?? 0).toBe(0);
  await sink.close();
  expect(listRingSlots()).toEqual([]);
}, 120_000);

it('a server killed with messages in flight: the flush counts them dropped, none unconfirmed', async () => {
  const sink = await viewerStreamSink({ port: PORT, persistent: true }, { transport: 'ring' });
  sink.enqueue(batch('B01', 1));
  expect(await sink.flush(60_000)).toMatchObject({ sent: 1, dropped: 0 });
  const [pid] = serverPids(PORT);
  sink.enqueue(batch('B02', 4));
  process.kill(pid, 'SIGKILL'); // gone: no reply will ever come
  const report = await sink.flush(30_000);
  expect(report).toMatchObject({ sent: 1, dropped: 4 });
  expect(report.unconfirmed ?? 0).toBe(0);
  expect(report.errors.join('\n')).toMatch(/is gone/);
  await sink.close();
}, 120_000);
