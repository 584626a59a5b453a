// The fuzzer's senders, each wait bounded: a ZeroMQ REQ or DEALER client that reconnects
// (a fresh socket) after a timeout or an expected disconnect, a raw TCP sender, and an HTTP
// requester that can also attempt a WebSocket upgrade.
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import { BROWSER_TOKEN_PARAM } from '../../lib/protocol/index.js';
import { WebSocket } from 'ws';
import * as zmq from 'zeromq';

export class ZmqClient {
  /** kind 'req' | 'dealer'; a DEALER sends the empty delimiter when `delimiter` (REQ always does). */
  constructor(kind, endpoint, { delimiter = true, timeoutMs = 30_000 } = {}) {
    Object.assign(this, { kind, endpoint, delimiter, timeoutMs });
    this.reconnects = 0;
    this.open();
  }

  open() {
    // No automatic reconnect: after the server dropped us, a fresh socket is made (a
    // reconnect closed before its handshake would count as a refused peer).
    const options = {
      linger: 0,
      sendTimeout: this.timeoutMs,
      receiveTimeout: this.timeoutMs,
      reconnectInterval: -1
    };
    this.socket = this.kind === 'req' ? new zmq.Request(options) : new zmq.Dealer(options);
    this.disconnects = 0;
    this.socket.events.on('disconnect', () => this.disconnects++);
    this.socket.connect(this.endpoint);
  }

  reconnect() {
    this.socket.close();
    this.reconnects++;
    this.open();
  }

  /**
   * Sends `frames`; resolves to {reply} (the last frame), {disconnected: true} when the
   * server dropped the connection (only awaited when `expectDisconnect`), or {timeout: true}.
   * The socket is replaced after anything but a reply.
   */
  async request(frames, { expectDisconnect = false, timeoutMs = this.timeoutMs } = {}) {
    const socket = this.socket;
    const body = this.kind === 'dealer' && this.delimiter ? [new Uint8Array(0), ...frames] : frames;
    const before = this.disconnects;
    let timer;
    let poll;
    const outcome = await Promise.race([
      (async () => {
        await socket.send(body);
        const reply = await socket.receive();
        return { reply: reply[reply.length - 1] };
      })().catch(err => ({ failed: err })),
      new Promise(resolve => (timer = setTimeout(() => resolve({ timeout: true }), timeoutMs))),
      expectDisconnect
        ? new Promise(resolve => {
            poll = setInterval(
              () => this.disconnects > before && resolve({ disconnected: true }),
              20
            );
          })
        : new Promise(() => {})
    ]);
    clearTimeout(timer);
    clearInterval(poll);
    if (outcome.failed) {
      const code = outcome.failed.code;
      if (code !== 'EAGAIN') throw outcome.failed;
    }
    if (!outcome.reply) this.reconnect();
    return outcome.failed ? { timeout: true } : outcome;
  }

  close() {
    this.socket.close();
  }
}

/**
 * Writes `bytes` on a fresh TCP connection. Resolves {closedByServer, answered} when the
 * server closed it or after `waitMs` (then we close it).
 */
export function rawSend(port, bytes, waitMs = 1500) {
  return new Promise(resolve => {
    let answered = 0;
    let settled = false;
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    const done = closedByServer => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ closedByServer, answered });
    };
    const timer = setTimeout(() => done(false), waitMs);
    socket.on('data', data => (answered += data.length));
    socket.on('end', () => done(true));
    socket.on('close', () => done(true));
    socket.on('error', () => done(true));
  });
}

/** One HTTP request (or WebSocket upgrade attempt); {status, body} or {error}. */
export function httpSend(
  port,
  { path, method = 'GET', headers = {}, upgrade = false },
  timeoutMs = 10_000
) {
  return new Promise(resolve => {
    const all = { ...headers };
    if (upgrade)
      Object.assign(all, {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64')
      });
    const req = http.request({
      host: '127.0.0.1',
      port,
      path,
      method,
      headers: all,
      agent: false,
      timeout: timeoutMs
    });
    req.on('response', res => {
      const chunks = [];
      res.on('data', c => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
      res.on('error', err => resolve({ error: err.message }));
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: 101, upgraded: true });
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ error: `no answer within ${timeoutMs} ms` });
    });
    req.on('error', err => resolve({ error: err.message }));
    req.end();
  });
}

/** Opens a WebSocket, sends `payload`; resolves {close: code} or {error} within `timeoutMs`. */
export function wsSend(port, path, payload, timeoutMs = 10_000) {
  return new Promise(resolve => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
    const timer = setTimeout(() => {
      ws.terminate();
      resolve({ error: `not closed within ${timeoutMs} ms` });
    }, timeoutMs);
    ws.on('open', () => ws.send(payload));
    ws.on('close', code => {
      clearTimeout(timer);
      resolve({ close: code });
    });
    ws.on('error', () => undefined); // the close follows
  });
}

/**
 * A WebSocket with the token that never reads: the server must skip events for it once
 * 1 MiB is buffered, not buffer without bound. close() ends it.
 */
export function slowReader(port, token) {
  const ws = new WebSocket(
    `ws://127.0.0.1:${port}/api/events?${BROWSER_TOKEN_PARAM}=${encodeURIComponent(token)}`
  );
  ws.on('open', () => ws._socket?.pause());
  ws.on('error', () => undefined);
  return { close: () => ws.terminate() };
}
