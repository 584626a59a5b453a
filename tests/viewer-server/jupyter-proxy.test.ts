/**
 * The browser path end to end: a real Jupyter server from .venv (token login, JupyterHub-style
 * base URL /user/alice/, the project's server extension and jupyter-server-proxy), a real
 * viewer server started by the CLI, and a real Chromium page of Jupyter's origin. The page
 * gets the browser token from `POST {base}pipeline-viewer/connect` (Jupyter login required),
 * then reads state and events through `{base}proxy/<P+3000>/`: jupyter-server-proxy forwards
 * the token header, the WebSocket subprotocols and the browser's Host and Origin (the
 * viewer's checks accept them), and its log holds no token. Without Jupyter's login there
 * is no token. Data port 20049.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  BROWSER_TOKEN_HEADER,
  EVENTS_SUBPROTOCOL,
  TOKEN_SUBPROTOCOL_PREFIX
} from '../../src/protocol/index.js';
import { startJupyter, type JupyterProcess } from './jupyter-process.js';
import { BIN, requireBuild, sendBatch, tempHome } from './server-process.js';

const PORT = 20049;
const JUPYTER_TOKEN = 'jupyter-login-token-for-this-test';
const BASE = '/user/alice/';
const home = tempHome();
const env = { ...process.env, PIPELINE_VIEWER_HOME: home };
let jupyter: JupyterProcess | undefined;
let origin = '';
let browser: Browser;
let page: Page;

function cli(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [BIN, 'server', ...args], { env, timeout: 60_000 }, (e, out, err) =>
      e ? reject(new Error(`${args.join(' ')}: ${e.message}\n${err}`)) : resolve(out)
    )
  );
}

beforeAll(async () => {
  requireBuild();
  await cli('start', '--port', String(PORT));
  const reply = await sendBatch(
    PORT,
    {
      type: 'batch',
      images: [{ path: '/p/x.tif', shape: [2, 2], dtype: 'uint8', image_id: 'x', frame: 1 }],
      layer_name: 'through_jupyter'
    },
    [new Uint8Array([1, 2, 3, 4])],
    'dealer'
  );
  expect(reply).toMatchObject({ status: 'success', accepted: 1 });
  jupyter = await startJupyter({
    token: JUPYTER_TOKEN,
    env,
    cwd: home,
    host: 'localhost',
    baseUrl: BASE
  });
  origin = jupyter.origin;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage']
  });
  page = await browser.newPage();
  // The login: a page opened with Jupyter's token gets Jupyter's cookies.
  await page.goto(`${origin}${BASE}lab?token=${JUPYTER_TOKEN}`, { timeout: 90_000 });
}, 330_000);

afterAll(async () => {
  await browser?.close();
  await jupyter?.stop();
  await cli('stop', '--port', String(PORT)).catch(() => '');
  fs.rmSync(home, { recursive: true, force: true });
}, 60_000);

/** In the logged-in page: connect, then state and events through the proxy. */
function throughJupyter(withToken: boolean) {
  return page.evaluate(
    async ({ base, port, withToken, header, protocol, prefix }) => {
      const xsrf = /(?:^|; )_xsrf=([^;]*)/.exec(document.cookie)?.[1] ?? '';
      const res = await fetch(`${base}pipeline-viewer/connect`, {
        method: 'POST',
        headers: { 'X-XSRFToken': decodeURIComponent(xsrf), 'Content-Type': 'application/json' },
        body: JSON.stringify({ port })
      });
      const info = await res.json();
      const token = withToken ? info.browser_token : 'not-the-token-of-this-server-00000000000';
      const proxy = `${base}proxy/${info.ports.http}/`;
      const state = await fetch(`${proxy}api/state`, { headers: { [header]: token } });
      const stateText = `${state.status} ${(await state.text()).slice(0, 300)}`;
      const events = await new Promise<string>(resolve => {
        const ws = new WebSocket(
          `${location.origin.replace('http', 'ws')}${proxy}api/events`,
          [protocol, prefix + token] // as eventsSubprotocols(token)
        );
        const timer = setTimeout(() => resolve('timeout'), 10_000);
        ws.onmessage = e => {
          clearTimeout(timer);
          resolve(`message ${String(e.data).slice(0, 300)}`);
          ws.close();
        };
        ws.onclose = e => {
          clearTimeout(timer);
          resolve(`closed ${e.code}`);
        };
      });
      return {
        connect: res.status,
        cacheControl: res.headers.get('cache-control'),
        info,
        state: stateText,
        events
      };
    },
    {
      base: BASE,
      port: PORT,
      withToken,
      header: BROWSER_TOKEN_HEADER,
      protocol: EVENTS_SUBPROTOCOL,
      prefix: TOKEN_SUBPROTOCOL_PREFIX
    }
  );
}

describe('through Jupyter and jupyter-server-proxy (base URL /user/alice/)', () => {
  it('the logged-in page gets the token and reads state and events through the proxy', async () => {
    const seen = await throughJupyter(true);
    expect(seen.connect).toBe(200);
    expect(seen.cacheControl).toContain('no-store');
    expect(seen.info).toMatchObject({ port: PORT, ok: true, ports: { data: PORT } });
    expect(seen.info.browser_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(seen.state).toMatch(/^200 .*through_jupyter/);
    expect(seen.events).toMatch(/^message .*through_jupyter/);
    // jupyter-server-proxy logs the upstream WebSocket URL: it must hold no token.
    expect(jupyter!.log()).toContain('Websocket connection established to ws://');
    expect(jupyter!.log()).not.toContain(seen.info.browser_token);
  });

  it('through the proxy too, a request without the right token reads nothing', async () => {
    const seen = await throughJupyter(false);
    expect(seen.state).toMatch(/^401 /);
    expect(seen.state).not.toContain('through_jupyter');
    expect(seen.events).toMatch(/^closed /);
  });

  it('without Jupyter login (or with a wrong Jupyter token) there is no browser token (403)', async () => {
    for (const headers of [{}, { Authorization: 'token wrong' }] as Record<string, string>[]) {
      const res = await fetch(`${origin}${BASE}pipeline-viewer/connect`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ port: PORT })
      });
      expect(res.status).toBe(403);
      expect(await res.text()).not.toContain('browser_token');
    }
  });
});
