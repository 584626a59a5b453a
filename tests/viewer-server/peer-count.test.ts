/**
 * The count of peers refused before a ZeroMQ handshake stays exact when a legitimate peer
 * closes while another connection is still in its handshake (found by the fuzzer,
 * scripts/fuzz-viewer.mjs: 208 counted for 201 raw connections). libzmq's events carry no
 * connection id, so the count must not depend on which connection a close belongs to.
 * Port 20097 (+1000, +3000).
 */
import * as net from 'node:net';
import { controlRequest } from '../../src/protocol/node/index.js';
import { sendBatch, startServer, within, type RunningServer } from './server-process.js';
import { injectedBatch } from './zmtp-smuggling.js';

const PORT = 20097;
let server: RunningServer;

beforeAll(async () => {
  server = await startServer(PORT);
});
afterAll(async () => {
  await server?.stop();
});

async function noHandshake(): Promise<number> {
  const reply = await controlRequest(PORT, { type: 'status' }, { timeoutMs: 10_000 });
  if (reply.type !== 'status') throw new Error(JSON.stringify(reply));
  return reply.status.counters.peers_refused_reasons?.no_handshake ?? 0;
}

const pause = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** ZMTP 3.0 greeting after the signature: version 3.0, mechanism PLAIN (the server is NULL). */
function plainGreetingRest(): Uint8Array {
  const rest = new Uint8Array(54);
  rest.set([3, 0], 0);
  rest.set(new TextEncoder().encode('PLAIN'), 2);
  return rest;
}

it('counts one refused peer for one raw connection that fails its handshake while a legitimate peer closes', async () => {
  const raw = net.connect(PORT, '127.0.0.1');
  const closed = new Promise<void>(resolve => raw.on('close', () => resolve()));
  raw.on('error', () => undefined);
  // The signature alone: libzmq answers with its own and waits for the rest (handshake pending).
  const greeted = new Promise<void>(resolve => raw.once('data', () => resolve()));
  raw.write(Uint8Array.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f]));
  expect(await within(greeted, 5000)).not.toBe('timeout');

  // Meanwhile a producer connects, is served and closes.
  expect(await sendBatch(PORT, injectedBatch('legit') as never, [], 'dealer')).toMatchObject({
    status: 'success'
  });
  await pause(1000); // the server sees that close while the raw handshake is still pending

  raw.write(plainGreetingRest()); // mechanism mismatch: the server refuses and closes
  expect(await within(closed, 5000)).not.toBe('timeout');
  const deadline = Date.now() + 5000;
  while ((await noHandshake()) < 1 && Date.now() < deadline) await pause(100);
  await pause(500); // any late event would be counted by now
  expect(await noHandshake()).toBe(1);
});
