/**
 * ServerConnection against a small real HTTP + WebSocket server (node:http + ws) that
 * plays the viewer server's part with schema-valid replies; port 23251 (HTTP range of the
 * widget's data ports 20200–20299).
 */
import * as http from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import { subprotocolToken, type ViewerEvent, type ViewerState } from '../../protocol/viewer-api.js';
import type { WebSocketCtor } from '../tokens.js';
import { ServerConnection, wsUrl } from './server-connection.js';

const PORT = 23251;
const WS = WebSocket as unknown as WebSocketCtor;

interface Fixture {
  close(): Promise<void>;
  stateRequests: number;
  /** Delay of the state reply, so events can arrive before it. */
  stateDelayMs: number;
  onSocket?: (ws: WebSocket) => void;
  state: ViewerState;
  /** When set, requests without it (header on HTTP, query on the WebSocket) get 401. */
  token?: string;
  /** Token of each state request and WebSocket upgrade ('' for none), in order. */
  seenTokens: string[];
  socketUrls: string[];
}

async function fixture(port = PORT): Promise<Fixture> {
  const f: Fixture = {
    seenTokens: [],
    socketUrls: [],
    stateRequests: 0,
    stateDelayMs: 0,
    state: { pid: 1, started_at: 1, generation: 0, layers: [] },
    close: async () => {}
  };
  const server = http.createServer((req, res) => {
    if (req.url === '/api/state') {
      const token = req.headers['x-pipeline-viewer-token'];
      f.seenTokens.push(typeof token === 'string' ? token : '');
      if (f.token !== undefined && token !== f.token) return void res.writeHead(401).end();
      f.stateRequests++;
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(f.state));
      }, f.stateDelayMs);
    } else res.writeHead(404).end();
  });
  const wss = new WebSocketServer({
    server,
    verifyClient: ({ req }: { req: http.IncomingMessage }) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const token = subprotocolToken(req.headers['sec-websocket-protocol']) ?? '';
      f.seenTokens.push(token);
      f.socketUrls.push(req.url ?? '');
      return url.pathname === '/api/events' && (f.token === undefined || token === f.token);
    }
  });
  wss.on('connection', ws => f.onSocket?.(ws));
  await new Promise<void>(r => server.listen(port, '127.0.0.1', r));
  f.close = async () => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    server.closeAllConnections();
    await new Promise(r => server.close(r));
  };
  return f;
}

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 10));
  }
}

describe('ServerConnection', () => {
  it('turns http(s) base URLs into ws(s) event URLs', () => {
    expect(wsUrl('http://h:1/user/x/proxy/8555/')).toBe('ws://h:1/user/x/proxy/8555/api/events');
    expect(wsUrl('https://hub.example/proxy/8555/')).toBe(
      'wss://hub.example/proxy/8555/api/events'
    );
  });

  it('rejects an empty base URL with a hint', () => {
    expect(() => new ServerConnection({ baseUrl: '', WebSocket: WS })).toThrow(/proxy\/8555/);
  });

  it('holds events that arrive before the state and replays them after it, in order', async () => {
    const f = await fixture();
    const events: ViewerEvent[] = [
      { type: 'cleared', generation: 1 },
      {
        type: 'stats',
        counters: { messages: 1, images: 2, bytes: 3, dropped: 0, errors: 0 },
        images_per_second: 2
      }
    ];
    f.stateDelayMs = 200;
    f.onSocket = ws => {
      for (const e of events) ws.send(JSON.stringify(e));
      ws.send('{"type":"nonsense"}');
    };
    const c = new ServerConnection({ baseUrl: `http://127.0.0.1:${PORT}`, WebSocket: WS });
    const seen: string[] = [];
    const errors: string[] = [];
    c.stateReceived.connect(() => seen.push('state'));
    c.eventReceived.connect((_, e) => seen.push(e.type));
    c.errorOccurred.connect((_, m) => errors.push(m));
    try {
      c.connect();
      await until('state and events', () => seen.length === 3);
      expect(seen).toEqual(['state', 'cleared', 'stats']);
      expect(c.status).toBe('connected');
      expect(errors.length).toBe(1);
      expect(errors[0]).toMatch(/api\/events: unexpected event/);
    } finally {
      c.dispose();
      await f.close();
    }
  });

  it('retries with bounded backoff while nothing listens, then connects when the server comes', async () => {
    const c = new ServerConnection({
      baseUrl: `http://127.0.0.1:${PORT}/`,
      WebSocket: WS,
      reconnectMinMs: 50,
      reconnectMaxMs: 200
    });
    const statuses: string[] = [];
    c.statusChanged.connect((_, s) => statuses.push(s));
    let f: Fixture | undefined;
    try {
      c.connect();
      await new Promise(r => setTimeout(r, 700));
      expect(c.status).toBe('connecting'); // never connected yet
      f = await fixture();
      await until('connected', () => c.status === 'connected', 3000); // ≤ max backoff + connect
      expect(statuses).toEqual(['connecting', 'connected']);
      expect(f.stateRequests).toBe(1);
    } finally {
      c.dispose();
      await f?.close();
    }
  });

  it('reports a restart (new pid) after a lost connection, and stops on disconnect()', async () => {
    let f = await fixture();
    const c = new ServerConnection({
      baseUrl: `http://127.0.0.1:${PORT}/`,
      WebSocket: WS,
      reconnectMinMs: 50,
      reconnectMaxMs: 100
    });
    const restarted: boolean[] = [];
    c.stateReceived.connect((_, n) => restarted.push(n.restarted));
    try {
      c.connect();
      await until('first state', () => restarted.length === 1);
      await f.close();
      await until('loss noticed', () => c.status === 'disconnected');
      f = await fixture();
      f.state = { ...f.state, pid: 2, started_at: 5 };
      await until('second state', () => restarted.length === 2, 3000);
      expect(restarted).toEqual([false, true]);
      c.disconnect();
      expect(c.status).toBe('disconnected');
      const requests = f.stateRequests;
      await new Promise(r => setTimeout(r, 300));
      expect(f.stateRequests).toBe(requests); // no reconnect after disconnect()
    } finally {
      c.dispose();
      await f.close();
    }
  });

  it('sends the token on every state request (header) and WebSocket (subprotocol, never the URL)', async () => {
    const f = await fixture();
    f.token = 'tok-1';
    const c = new ServerConnection({
      baseUrl: `http://127.0.0.1:${PORT}/`,
      WebSocket: WS,
      token: 'tok-1'
    });
    try {
      c.connect();
      await until('connected', () => c.status === 'connected');
      const res = await c.fetch(`http://127.0.0.1:${PORT}/api/state`, { headers: { a: 'b' } });
      expect(res.status).toBe(200);
      expect(f.seenTokens).toEqual(['tok-1', 'tok-1', 'tok-1']); // socket, state, plane-style fetch
      expect(f.socketUrls).toEqual(['/api/events']); // proxies log URLs: no token there
    } finally {
      c.dispose();
      await f.close();
    }
  });

  it('asks the endpoint before each attempt: a restarted server on another port with a new token', async () => {
    let f = await fixture();
    f.token = 'old';
    let endpoint: { baseUrl: string; token: string } | null = {
      baseUrl: `http://127.0.0.1:${PORT}/`,
      token: 'old'
    };
    let asked = 0;
    const c = new ServerConnection({
      baseUrl: 'http://unused.invalid/',
      WebSocket: WS,
      reconnectMinMs: 50,
      reconnectMaxMs: 100,
      endpoint: async () => {
        asked++;
        return endpoint;
      }
    });
    const restarted: boolean[] = [];
    const errors: string[] = [];
    c.stateReceived.connect((_, n) => restarted.push(n.restarted));
    c.errorOccurred.connect((_, m) => errors.push(m));
    try {
      c.connect();
      await until('first state', () => restarted.length === 1);
      expect(asked).toBe(1);
      await f.close();
      endpoint = null; // stopped: no server, retried quietly
      await until('retries without a server', () => asked >= 3, 3000);
      expect(c.status).toBe('disconnected');
      f = await fixture(PORT + 1);
      f.token = 'new';
      f.state = { ...f.state, pid: 2 };
      endpoint = { baseUrl: `http://127.0.0.1:${PORT + 1}/`, token: 'new' };
      await until('second state', () => restarted.length === 2, 3000);
      expect(restarted).toEqual([false, true]);
      expect(c.baseUrl).toBe(`http://127.0.0.1:${PORT + 1}/`);
      expect(f.seenTokens.every(t => t === 'new')).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      c.dispose();
      await f.close();
    }
  });

  it('reports a failing endpoint and keeps retrying', async () => {
    let fail = true;
    const f = await fixture();
    const c = new ServerConnection({
      baseUrl: 'http://unused.invalid/',
      WebSocket: WS,
      reconnectMinMs: 50,
      reconnectMaxMs: 100,
      endpoint: async () => {
        if (fail) throw new Error('HTTP 500 from Jupyter');
        return { baseUrl: `http://127.0.0.1:${PORT}/`, token: 't' };
      }
    });
    const errors: string[] = [];
    c.errorOccurred.connect((_, m) => errors.push(m));
    try {
      c.connect();
      await until('an error', () => errors.length > 0);
      expect(errors[0]).toBe('cannot find the viewer server: HTTP 500 from Jupyter');
      fail = false;
      await until('connected', () => c.status === 'connected', 3000);
    } finally {
      c.dispose();
      await f.close();
    }
  });
});
