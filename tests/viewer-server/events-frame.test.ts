/**
 * A client frame over the 1 KiB cap of api/events closes that WebSocket (1009) and is
 * counted; the server goes on serving. Found by the fuzzer (scripts/fuzz-viewer.mjs): the
 * `ws` library reports the frame as an 'error' on the socket, which had no listener, so
 * one frame from a page holding the token made the server exit with an uncaught exception.
 * Port 20098 (+1000, +3000).
 */
import { WebSocket } from 'ws';
import { BROWSER_TOKEN_PARAM, httpPort } from '../../src/protocol/index.js';
import { controlRequest, liveServerRecord } from '../../src/protocol/node/index.js';
import { startServer, within, type RunningServer } from './server-process.js';

const PORT = 20098;
let server: RunningServer;

beforeAll(async () => {
  server = await startServer(PORT);
});
afterAll(async () => {
  await server?.stop();
});

it('closes a WebSocket whose client frame is over 1 KiB, counts it and keeps serving', async () => {
  const record = liveServerRecord(PORT, { PIPELINE_VIEWER_HOME: server.home })!;
  const token = encodeURIComponent(record.browser_token);
  const ws = new WebSocket(
    `ws://127.0.0.1:${httpPort(PORT)}/api/events?${BROWSER_TOKEN_PARAM}=${token}`
  );
  ws.on('error', () => undefined); // the close below is what matters
  const closed = new Promise<number>(resolve => ws.on('close', code => resolve(code)));
  const opened = new Promise<void>(resolve => ws.on('open', () => resolve()));
  expect(await within(opened, 5000)).not.toBe('timeout');
  ws.send(new Uint8Array(2048));
  expect(await within(closed, 5000)).toBe(1009);

  const reply = await within(
    controlRequest(PORT, { type: 'status' }, { secret: record.secret, timeoutMs: 1000 }),
    1000
  );
  expect(reply).toMatchObject({ type: 'status' });
  const counters = reply !== 'timeout' && reply.type === 'status' ? reply.status.counters : null;
  expect(counters?.browser_refused_reasons).toEqual({ frame: 1 });
  expect(server.child.exitCode).toBeNull();
});
