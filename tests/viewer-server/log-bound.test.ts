/**
 * A flood of bad input cannot fill the disk through the server's log: lines about refused
 * messages, rejected images and malformed control requests are rate-limited (the first 20
 * per minute, then one summary), while the status counters still count every one. Found by
 * the fuzzer (scripts/fuzz-viewer.mjs): 100,000 malformed messages wrote 16.5 MiB of log,
 * a 4,096-image batch one line per image. Port 20092 (+1000, +3000).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zmq from 'zeromq';
import { controlPort } from '../../src/protocol/index.js';
import { controlRequest } from '../../src/protocol/node/index.js';
import { startServer, type RunningServer } from './server-process.js';

const PORT = 20092;
let server: RunningServer;

beforeAll(async () => {
  server = await startServer(PORT);
});
afterAll(async () => {
  await server?.stop();
});

async function lockstep(socket: zmq.Request, messages: Uint8Array[][]): Promise<void> {
  for (const frames of messages) {
    await socket.send(frames);
    await socket.receive();
  }
}

it('logs a bounded number of lines for 300 malformed messages, 30 batches of 100 bad images and 100 pickles', async () => {
  const log = path.join(server.home, `viewer-server-${PORT}.log`);
  const before = fs.statSync(log).size;
  const data = new zmq.Request({ linger: 0, receiveTimeout: 10_000, sendTimeout: 10_000 });
  const control = new zmq.Request({ linger: 0, receiveTimeout: 10_000, sendTimeout: 10_000 });
  data.connect(`tcp://127.0.0.1:${PORT}`);
  control.connect(`tcp://127.0.0.1:${controlPort(PORT)}`);
  const bad = (i: number) => ({
    path: `/bad/${i}`,
    shape: [1, 1],
    dtype: 'uint8',
    image_id: `b${i}`,
    data: [[-1]]
  });
  try {
    await lockstep(
      data,
      Array.from({ length: 300 }, (_, i) => [
        new TextEncoder().encode(`{"type": "batch", "n": ${i}`)
      ])
    );
    await lockstep(
      data,
      Array.from({ length: 30 }, () => [
        new TextEncoder().encode(
          JSON.stringify({ type: 'batch', images: Array.from({ length: 100 }, (_, i) => bad(i)) })
        )
      ])
    );
    await lockstep(
      control,
      Array.from({ length: 100 }, () => [Uint8Array.from([0x80, 4, 0x95, 0x15, 0, 0x7d, 0x2e])])
    );
  } finally {
    data.close();
    control.close();
  }
  const grew = fs.statSync(log).size - before;
  process.stderr.write(`log-bound: the log grew by ${grew} bytes\n`);
  expect(grew).toBeLessThan(128 * 1024);
  const reply = await controlRequest(PORT, { type: 'status' }, { timeoutMs: 10_000 });
  expect(reply).toMatchObject({
    type: 'status',
    status: { counters: { messages: 330, errors: 300 + 30 * 100, dropped: 30 * 100 } }
  });
});
