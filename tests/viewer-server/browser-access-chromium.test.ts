/**
 * The browser API against pages in a real Chromium (playwright-core, /usr/bin/chromium):
 * a DNS-rebinding page (evil.example resolved to 127.0.0.1 by --host-resolver-rules, so the
 * page is same-origin with the server), a page of another loopback origin, and a sandboxed
 * iframe (Origin `null`). None of them reads state, pixels or events, even when handed the
 * token; a page of the server's own origin with the token does (the control). Port 20047.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { BROWSER_TOKEN_HEADER, eventsSubprotocols, httpPort } from '../../src/protocol/index.js';
import { browserToken } from './browser-token.js';
import { sendBatch, startServer, type RunningServer } from './server-process.js';

const PORT = 20047;
const HTTP = httpPort(PORT);
let server: RunningServer;
let other: http.Server;
let browser: Browser;
let token: string;

/** What a page got from api/state (fetch) and api/events (WebSocket), each within 5 s. */
interface Seen {
  state: string;
  events: string;
}

/** In `tab`: fetch api/state and open api/events at `base` (http://host:port/), with the token. */
function probe(tab: Page, base: string): Promise<Seen> {
  return tab.evaluate(
    async ({ base, token, header, protocols }) => {
      const state = await fetch(`${base}api/state`, {
        headers: { [header]: token },
        signal: AbortSignal.timeout(5000)
      }).then(
        async res => `${res.status} ${(await res.text()).slice(0, 200)}`,
        (err: Error) => `failed: ${err.name}`
      );
      const events = await new Promise<string>(resolve => {
        const ws = new WebSocket(`${base.replace('http', 'ws')}api/events`, protocols);
        const timer = setTimeout(() => resolve('timeout'), 5000);
        ws.onmessage = e => {
          clearTimeout(timer);
          resolve(`message ${String(e.data).slice(0, 200)}`);
          ws.close();
        };
        ws.onclose = e => {
          clearTimeout(timer);
          resolve(`closed ${e.code}`);
        };
      });
      return { state, events };
    },
    { base, token, header: BROWSER_TOKEN_HEADER, protocols: eventsSubprotocols(token) }
  );
}

beforeAll(async () => {
  server = await startServer(PORT);
  const reply = await sendBatch(
    PORT,
    {
      type: 'batch',
      images: [{ path: '/p/x.tif', shape: [2, 2], dtype: 'uint8', image_id: 'x', frame: 1 }],
      layer_name: 'secret_layer'
    },
    [new Uint8Array([1, 2, 3, 4])],
    'dealer'
  );
  expect(reply).toMatchObject({ status: 'success', accepted: 1 });
  token = browserToken(PORT);
  other = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>another origin</title>');
  });
  await new Promise<void>(resolve => other.listen(0, '127.0.0.1', resolve));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-dev-shm-usage',
      '--host-resolver-rules=MAP evil.example 127.0.0.1'
    ]
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await new Promise(resolve => other?.close(resolve));
  await server?.stop();
});

async function inTab<T>(url: string, run: (tab: Page) => Promise<T>): Promise<T> {
  const tab = await browser.newPage();
  try {
    await tab.goto(url);
    return await run(tab);
  } finally {
    await tab.close();
  }
}

describe('browser API in Chromium', () => {
  it("control: a page of the server's own origin with the token reads state and events", async () => {
    const seen = await inTab(`http://127.0.0.1:${HTTP}/api/state`, tab =>
      probe(tab, `http://127.0.0.1:${HTTP}/`)
    );
    expect(seen.state).toMatch(/^200 .*secret_layer/);
    expect(seen.events).toMatch(/^message .*secret_layer/);
  });

  it('a DNS-rebinding page (evil.example → 127.0.0.1) reads nothing, not even with the token', async () => {
    const base = `http://evil.example:${HTTP}/`;
    const { top, seen } = await inTab(base, async tab => ({
      top: await tab.content(),
      seen: await probe(tab, base)
    }));
    expect(top).toContain('not a loopback name');
    expect(top).not.toContain('secret_layer');
    expect(seen.state).toMatch(/^403 /);
    expect(seen.state).not.toContain('secret_layer');
    expect(seen.events).toMatch(/^closed /);
  });

  it('a page of another origin and a sandboxed iframe (Origin null) get no events', async () => {
    const otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}/`;
    const seen = await inTab(otherOrigin, tab => probe(tab, `http://127.0.0.1:${HTTP}/`));
    // fetch: the browser's CORS check already hides the reply; the WebSocket has no CORS.
    expect(seen.state).toBe('failed: TypeError');
    expect(seen.events).toMatch(/^closed /);

    const fromNull = await inTab(otherOrigin, tab =>
      tab.evaluate(
        ({ url, protocols }) =>
          new Promise<string>(resolve => {
            window.addEventListener('message', e => resolve(String(e.data)));
            const frame = document.createElement('iframe');
            frame.sandbox.add('allow-scripts');
            frame.srcdoc = `<script>
              const ws = new WebSocket(${JSON.stringify(url)}, ${JSON.stringify(protocols)});
              ws.onmessage = e => parent.postMessage('message ' + String(e.data).slice(0, 200), '*');
              ws.onclose = e => parent.postMessage('closed ' + e.code, '*');
            </script>`;
            document.body.append(frame);
            setTimeout(() => resolve('timeout'), 5000);
          }),
        { url: `ws://127.0.0.1:${HTTP}/api/events`, protocols: eventsSubprotocols(token) }
      )
    );
    expect(fromNull).toMatch(/^closed /);
  });
});
