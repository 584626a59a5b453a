/**
 * Finding 1 of issue 9 in a real browser: a page of another loopback origin (a tiny HTTP
 * server on another port) posts the HTTP-shaped ZMTP/1.0 bytes (zmtp-smuggling.ts) to the
 * data and control ports with `fetch(..., {mode: 'no-cors'})`, as any web page can. Nothing
 * is injected, cleared or stopped; the server counts the refused peers and goes on serving.
 * Real Chromium (playwright-core, /usr/bin/chromium). Port 20071 (+1000, +3000).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { controlPort } from '../../src/protocol/index.js';
import { controlRequest, ping } from '../../src/protocol/node/index.js';
import { sendBatch, startServer, within, type RunningServer } from './server-process.js';
import { injectedBatch, smuggledBodies, SMUGGLE_PATHS } from './zmtp-smuggling.js';

const PORT = 20071;
let server: RunningServer;
let page: http.Server;
let browser: Browser;

beforeAll(async () => {
  server = await startServer(PORT);
  page = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>another origin</title>');
  });
  await new Promise<void>(resolve => page.listen(0, '127.0.0.1', resolve));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage']
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await new Promise(resolve => page?.close(resolve));
  await server?.stop();
});

async function status() {
  const reply = await controlRequest(PORT, { type: 'status' }, { timeoutMs: 10_000 });
  if (reply.type !== 'status') throw new Error(`expected status, got ${JSON.stringify(reply)}`);
  return reply.status;
}

/** Runs the page's no-cors POSTs of `bodies` to `port`; each settles or is abandoned after 3 s. */
async function postFromPage(port: number, bodies: Uint8Array[]): Promise<string[]> {
  const tab = await browser.newPage();
  try {
    await tab.goto(`http://127.0.0.1:${(page.address() as AddressInfo).port}/`);
    return await tab.evaluate(
      async ({ url, paths, bodies }) =>
        Promise.all(
          bodies.map((body, i) =>
            fetch(url + paths[i], {
              method: 'POST',
              mode: 'no-cors',
              body: new Uint8Array(body),
              signal: AbortSignal.timeout(3000)
            }).then(
              r => `status ${r.status}`,
              (e: Error) => e.name
            )
          )
        ),
      { url: `http://127.0.0.1:${port}`, paths: SMUGGLE_PATHS, bodies: bodies.map(b => [...b]) }
    );
  } finally {
    await tab.close();
  }
}

it('a page of another origin cannot inject images through the data port', async () => {
  expect(await sendBatch(PORT, injectedBatch('legit') as never, [], 'dealer')).toMatchObject({
    status: 'success',
    accepted: 1
  });
  const outcomes = await postFromPage(PORT, smuggledBodies([injectedBatch('injected')]));
  expect(outcomes).toHaveLength(3);
  const after = await status();
  expect(after.layers.map(l => l.key)).toEqual(['legit']);
  expect(after.counters.messages).toBe(1);
  expect(after.counters.peers_refused).toBeGreaterThanOrEqual(3);
}, 60_000);

it('a page of another origin cannot clear or shut down the server through the control port', async () => {
  const control = controlPort(PORT);
  await postFromPage(control, smuggledBodies([{ type: 'clear_state' }, { type: 'shutdown' }]));
  expect(server.child.exitCode).toBeNull();
  expect((await ping(PORT, { timeoutMs: 5000 }))?.pid).toBe(server.child.pid);
  const after = await status();
  expect(after.layers.map(l => l.key)).toEqual(['legit']);
  expect(after.counters.peers_refused).toBeGreaterThanOrEqual(6);
  expect(await within(status(), 1000)).not.toBe('timeout');
}, 60_000);
