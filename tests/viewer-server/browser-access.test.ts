/**
 * The browser API of the real server process (HTTP and WebSocket on P+3000) answers only a
 * request carrying the server's browser token, and refuses a DNS-rebinding Host and a
 * foreign or `null` Origin even with it: no state, no pixels, no events leave. Proxied
 * requests (the Host jupyter-server-proxy forwards: the Jupyter server's, e.g.
 * `localhost:8888` or `hub.mybinder.org`) work. Refusals are counted in status.
 */
import { httpPort } from '../../src/protocol/index.js';
import { controlRequest } from '../../src/protocol/node/index.js';
import { connectInfo, get, openEvents } from './browser-client.js';
import { planeQuery, sendBatch, startServer, type RunningServer } from './server-process.js';

const PORT = 20045;
const HTTP = httpPort(PORT);
const H = 8;
const W = 16;
const pixels = Uint16Array.from({ length: H * W }, (_, i) => 1000 + i);
const STATE = '/api/state';
const PLANE = `/api/plane?${planeQuery('secret_layer', {}, 64)}`;
const LOOPBACK = { host: `127.0.0.1:${HTTP}` };
const REBINDING = { host: `evil.example:${HTTP}` };

let server: RunningServer;
let token: string;

beforeAll(async () => {
  server = await startServer(PORT);
  const reply = await sendBatch(
    PORT,
    {
      type: 'batch',
      images: [{ path: '/p/x.tif', shape: [H, W], dtype: 'uint16', image_id: 'x', frame: 1 }],
      layer_name: 'secret_layer'
    },
    [new Uint8Array(pixels.buffer)],
    'dealer'
  );
  expect(reply).toMatchObject({ status: 'success', accepted: 1 });
  token = (await connectInfo(PORT, server.home)).browser_token;
  expect(token).toMatch(/^[A-Za-z0-9_-]{32,}$/);
});
afterAll(async () => {
  await server?.stop();
});

/** Nothing of the layer leaks in a refused reply. */
function expectNoData(body: Buffer): void {
  const text = body.toString('latin1');
  expect(text).not.toContain('secret_layer');
  expect(text).not.toContain('"layers"');
  expect(body.includes(Buffer.from(pixels.buffer, 0, 32))).toBe(false);
}

describe('browser API: HTTP', () => {
  it('refuses api/state and api/plane under a rebinding Host without a token (403), no data', async () => {
    for (const path of [STATE, PLANE]) {
      const reply = await get(PORT, path, REBINDING);
      expect(reply.status).toBe(403);
      expect(reply.body.toString()).toContain('not a loopback name');
      expectNoData(reply.body);
    }
  });

  it('refuses a rebinding Host even with the token (a rebinding page cannot have it anyway)', async () => {
    const reply = await get(PORT, STATE, REBINDING, token);
    expect(reply.status).toBe(403);
    expectNoData(reply.body);
  });

  it('refuses a missing or wrong token on loopback (401), naming the header and the CLI', async () => {
    for (const t of [undefined, 'x'.repeat(43), `${token}x`, '']) {
      const reply = await get(PORT, PLANE, LOOPBACK, t);
      expect(reply.status).toBe(401);
      expect(reply.body.toString()).toContain('x-pipeline-viewer-token');
      expect(reply.body.toString()).toContain('pipeline-viewer server connect');
      expectNoData(reply.body);
    }
  });

  it('serves state and pixels with the token, on loopback and under a proxied Host', async () => {
    for (const headers of [LOOPBACK, { host: 'localhost:8888' }, { host: 'hub.mybinder.org' }]) {
      const state = await get(PORT, STATE, headers, token);
      expect(state.status).toBe(200);
      expect(JSON.parse(state.body.toString()).layers.map((l: { key: string }) => l.key)).toEqual([
        'secret_layer'
      ]);
      const plane = await get(PORT, PLANE, headers, token);
      expect(plane.status).toBe(200);
      expect(plane.body.equals(Buffer.from(pixels.buffer))).toBe(true);
    }
  });

  it('refuses a page of another origin even with the token', async () => {
    const reply = await get(PORT, STATE, { ...LOOPBACK, origin: 'http://evil.example' }, token);
    expect(reply.status).toBe(403);
    expectNoData(reply.body);
  });
});

describe('browser API: WebSocket api/events', () => {
  it('refuses Origin http://evil.example and null even with the token; no event is sent', async () => {
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${HTTP + 1}`]) {
      const outcome = await openEvents(PORT, { origin, token });
      expect(outcome).toMatchObject({ status: 403, first: null });
      expect(outcome.body).toContain('Origin');
    }
  });

  it('refuses a rebinding Host (same-origin with its page) and a missing or wrong token', async () => {
    const rebinding = await openEvents(PORT, {
      host: REBINDING.host,
      origin: `http://${REBINDING.host}`,
      token
    });
    expect(rebinding).toMatchObject({ status: 403, first: null });
    expect((await openEvents(PORT, { origin: `http://${LOOPBACK.host}` })).status).toBe(401);
    expect((await openEvents(PORT, { token: 'A'.repeat(43) })).status).toBe(401);
  });

  it('opens for the token from the same origin, directly and through the proxy', async () => {
    for (const [host, origin] of [
      [LOOPBACK.host, `http://${LOOPBACK.host}`],
      ['localhost:8888', 'http://localhost:8888'],
      ['hub.mybinder.org', 'https://hub.mybinder.org'],
      [LOOPBACK.host, undefined] // a program, not a browser: no Origin
    ]) {
      const outcome = await openEvents(PORT, { host, origin, token });
      expect(outcome.status).toBe(101);
      expect(JSON.parse(outcome.first!).state.layers[0].key).toBe('secret_layer');
    }
  });
});

describe('browser API refusals', () => {
  it('are counted by reason in status, and the server goes on serving', async () => {
    const reply = await controlRequest(PORT, { type: 'status' }, { timeoutMs: 10_000 });
    if (reply.type !== 'status') throw new Error(`expected status, got ${JSON.stringify(reply)}`);
    const reasons = reply.status.counters.browser_refused_reasons ?? {};
    expect(reasons.host).toBeGreaterThanOrEqual(4);
    expect(reasons.origin).toBeGreaterThanOrEqual(4);
    expect(reasons.token).toBeGreaterThanOrEqual(6);
    expect(reply.status.counters.browser_refused).toBe(
      Object.values(reasons).reduce((a, b) => a + b, 0)
    );
    expect((await get(PORT, STATE, LOOPBACK, token)).status).toBe(200);
  });
});
