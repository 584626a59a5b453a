/** BrowserGuard's rules on plain request objects (the real server is in tests/viewer-server/browser-access.test.ts). */
import type { IncomingMessage } from 'node:http';
import { BrowserGuard, parseHost, sameHost } from './browser-guard.js';

const TOKEN = 'k'.repeat(43);
const HTTP = 8555;

function req(headers: Record<string, string>, url = '/api/state'): IncomingMessage {
  return { method: 'GET', url, headers } as unknown as IncomingMessage;
}

function guard(lines: string[] = []): BrowserGuard {
  return new BrowserGuard(TOKEN, HTTP, line => lines.push(line));
}

describe('parseHost / sameHost', () => {
  it('reads names, ports and bracketed IPv6, refuses junk', () => {
    expect(parseHost('LocalHost:8555')).toEqual({ name: 'localhost', port: 8555 });
    expect(parseHost('[::1]:8555')).toEqual({ name: '[::1]', port: 8555 });
    expect(parseHost('hub.mybinder.org')).toEqual({ name: 'hub.mybinder.org', port: null });
    for (const bad of [undefined, '', 'a b', 'x:y', 'a:1:2', '::1'])
      expect(parseHost(bad)).toBeNull();
  });

  it('compares Origin with Host, default ports included', () => {
    const host = (h: string) => parseHost(h)!;
    expect(sameHost('http://localhost:8888', host('localhost:8888'))).toBe(true);
    expect(sameHost('https://hub.mybinder.org', host('hub.mybinder.org'))).toBe(true);
    expect(sameHost('https://hub.mybinder.org', host('hub.mybinder.org:443'))).toBe(true);
    expect(sameHost('http://[::1]:8555', host('[::1]:8555'))).toBe(true);
    expect(sameHost('http://evil.example', host('localhost:8555'))).toBe(false);
    expect(sameHost('http://localhost:8889', host('localhost:8888'))).toBe(false);
    expect(sameHost('null', host('localhost:8555'))).toBe(false);
    expect(sameHost('file://', host('localhost:8555'))).toBe(false);
  });
});

describe('BrowserGuard', () => {
  const auth = { 'x-pipeline-viewer-token': TOKEN };

  it('lets a loopback or proxied request with the token through', () => {
    const g = guard();
    for (const host of ['127.0.0.1:8555', 'localhost:8555', '[::1]:8555', 'localhost:8888'])
      expect(g.checkHttp(req({ host, ...auth }))).toBeNull();
    expect(g.checkHttp(req({ host: 'hub.example', origin: 'https://hub.example', ...auth }))).toBe(
      null
    );
    expect(g.snapshot()).toEqual({ browser_refused: 0, browser_refused_reasons: {} });
  });

  it('refuses a foreign name on this port (DNS rebinding) before looking at the token', () => {
    const r = guard().checkHttp(req({ host: 'evil.example:8555', ...auth }));
    expect(r).toMatchObject({ status: 403, reason: 'host' });
    expect(guard().checkHttp(req({}))).toMatchObject({ status: 403, reason: 'host' });
  });

  it('refuses a foreign or null Origin', () => {
    for (const origin of ['http://evil.example', 'null', 'http://127.0.0.1:9999'])
      expect(guard().checkHttp(req({ host: '127.0.0.1:8555', origin, ...auth }))).toMatchObject({
        status: 403,
        reason: 'origin'
      });
  });

  it('refuses a missing, short, long or wrong token with 401', () => {
    for (const t of [undefined, '', 'k', `${TOKEN}k`, 'j'.repeat(43)]) {
      const headers: Record<string, string> = { host: '127.0.0.1:8555' };
      if (t !== undefined) headers['x-pipeline-viewer-token'] = t;
      expect(guard().checkHttp(req(headers))).toMatchObject({ status: 401, reason: 'token' });
    }
  });

  it('takes the WebSocket token from a subprotocol (browsers cannot set headers there), the header or the query', () => {
    const g = guard();
    const host = 'localhost:8888';
    const offered = `pipeline-viewer.events, pipeline-viewer.token.${TOKEN}`;
    expect(g.checkUpgrade(req({ host, 'sec-websocket-protocol': offered }))).toBeNull();
    expect(g.checkUpgrade(req({ host, ...auth }, '/api/events'))).toBeNull();
    expect(g.checkUpgrade(req({ host }, `/api/events?viewer_token=${TOKEN}`))).toBeNull();
    const wrong = 'pipeline-viewer.events, pipeline-viewer.token.x';
    expect(g.checkUpgrade(req({ host, 'sec-websocket-protocol': wrong }))).toMatchObject({
      reason: 'token'
    });
    expect(g.checkUpgrade(req({ host }, `/api/events?token=${TOKEN}`))).toMatchObject({
      reason: 'token'
    });
  });

  it('counts every refusal by reason but logs only the first 20 of each, never the token', () => {
    const lines: string[] = [];
    const g = guard(lines);
    for (let i = 0; i < 50; i++)
      g.checkUpgrade(req({ host: '127.0.0.1:8555' }, '/api/events?viewer_token=wrong-token-value'));
    g.checkHttp(req({ host: 'evil.example:8555' }));
    expect(g.snapshot()).toEqual({
      browser_refused: 51,
      browser_refused_reasons: { token: 50, host: 1 }
    });
    expect(lines).toHaveLength(21);
    expect(lines[19]).toContain('only counted');
    expect(lines.join('\n')).not.toContain('wrong-token-value');
  });

  it('will not run with a short token', () => {
    expect(() => new BrowserGuard('short', HTTP, () => {})).toThrow(/too short/);
  });
});
