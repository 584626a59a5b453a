/**
 * Issue 14, P1: a producer with `inFlight: 2` keeps two messages in flight, so it writes
 * message k+1 into its ring while the server still reads message k. Checked against a real ZeroMQ ROUTER standing
 * in for the server (it answers when this test says so): the second message arrives before
 * the first is answered; replies are matched in order; a slot comes back (and is reused) only
 * after the reply for it; a server that stops answering drops both and leaves no slot behind.
 * Port 29253 (h6's range).
 */
import { PRIVATE_SHM_DIR } from './private-shm.js'; // first: sets PIPELINE_VIEWER_SHM_DIR
import * as fs from 'node:fs';
import * as zmq from 'zeromq';
import { encodeJson, type BatchReply } from '../../src/protocol/index.js';
import { listRingSlots, producerRing } from '../../src/protocol/node/shm-ring.js';
import { StreamBackend } from '../../src/runtime/streaming/stream-backend.js';
import type { StreamBatch } from '../../src/runtime/model/stream-sink.js';

const PORT = 29253;
const SIZE = 256; // 128 KiB per image: above the inline bound, so each goes through a slot

let router: zmq.Router;
/** A receive that outlived its wait (zeromq allows one at a time): the next wait takes it. */
let pendingReceive: Promise<Buffer[]> | null = null;

beforeEach(async () => {
  pendingReceive = null;
  router = new zmq.Router({ linger: 0 });
  await router.bind(`tcp://127.0.0.1:${PORT}`);
});

afterEach(() => {
  router.close();
  pendingReceive?.catch(() => undefined); // rejected by the close
});

afterAll(() => fs.rmSync(PRIVATE_SHM_DIR, { recursive: true, force: true }));

/** One image per message (chunkSize 1), each filled with its index. */
function batch(images: number): StreamBatch {
  return {
    step: 'Pipelined',
    well: 'A01',
    display: {
      component_modes: { source: 'slice', well: 'stack', z_index: 'stack' },
      colormap: 'gray',
      variable_size_handling: 'pad_to_max'
    },
    componentNames: {},
    items: Array.from({ length: images }, (_, i) => ({
      path: `/pipelined/${i}`,
      array: {
        data: new Uint16Array(SIZE * SIZE).fill(i + 1),
        shape: [SIZE, SIZE],
        dtype: 'uint16'
      },
      metadata: { z_index: i + 1 }
    }))
  };
}

interface Received {
  identity: Buffer;
  slot: string;
}

/** The next message at the stand-in server, within `ms` (null when none came). */
async function receive(ms: number): Promise<Received | null> {
  let timer: NodeJS.Timeout | undefined;
  pendingReceive ??= router.receive();
  const frames = await Promise.race([
    pendingReceive,
    new Promise<null>(resolve => (timer = setTimeout(() => resolve(null), ms)))
  ]).finally(() => clearTimeout(timer));
  if (!frames) return null;
  pendingReceive = null;
  const header = JSON.parse(frames[2].toString()) as { images: { shm_name: string }[] };
  return { identity: frames[0], slot: header.images[0].shm_name };
}

async function answer(to: Received, accepted: number): Promise<void> {
  const reply: BatchReply = { status: 'success', type: 'batch', accepted, rejected: 0 };
  await router.send([to.identity, Buffer.alloc(0), encodeJson(reply)]);
}

function backend(): StreamBackend {
  return new StreamBackend({
    port: PORT,
    transport: 'ring',
    inFlight: 2,
    chunkSize: 1,
    replyTimeoutMs: 3000,
    livenessIntervalMs: 0
  });
}

test('the second message is sent before the first is answered; replies match in order and slots come back only after theirs', async () => {
  const sink = backend();
  sink.enqueue(batch(3));
  const first = await receive(5000);
  expect(first).not.toBeNull();
  // Before the first reply: the producer already wrote and sent the second message.
  const second = await receive(2000);
  expect(second).not.toBeNull();
  expect(second!.slot).not.toBe(first!.slot);
  expect(producerRing().isLent(first!.slot)).toBe(true);
  // Two in flight at most: the third waits for the first reply.
  expect(await receive(300)).toBeNull();
  await answer(first!, 1);
  const third = await receive(2000);
  expect(third).not.toBeNull();
  // The first slot, answered, is the one reused; the second is still lent.
  expect(third!.slot).toBe(first!.slot);
  expect(producerRing().isLent(second!.slot)).toBe(true);
  // Distinct accepted counts show that each reply is taken for its own message.
  await answer(second!, 1);
  await answer(third!, 1);
  const report = await sink.flush(5000);
  expect(report).toMatchObject({ sent: 3, dropped: 0, errors: [] });
  await sink.close();
  expect(listRingSlots()).toEqual([]);
});

test('a server that stops answering: both messages in flight are dropped and their slots unlinked', async () => {
  const sink = backend();
  sink.enqueue(batch(2));
  const first = await receive(5000);
  const second = await receive(2000);
  expect(first).not.toBeNull();
  expect(second).not.toBeNull();
  // No reply to either: the reply timeout (3 s) fails both; no slot outlives them.
  const report = await sink.flush(10_000);
  expect(report.sent).toBe(0);
  expect(report.dropped).toBe(2);
  expect(report.errors.join('\n')).toMatch(/no reply from the viewer server/);
  expect(producerRing().isLent(first!.slot)).toBe(false);
  expect(producerRing().isLent(second!.slot)).toBe(false);
  expect(listRingSlots()).toEqual([]);
  await sink.close();
});
