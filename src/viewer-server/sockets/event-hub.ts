/**
 * WebSocket `api/events`: each client gets the full state on connect, then coalesced
 * changes (layer, plane, cleared) at most every 50 ms and counters once a second. After a
 * quiet spell an ingest's changes go out on the next turn (`soon`), not at the next tick:
 * waiting for the tick cost the panel 25 ms on average before it could ask for the plane. A client that
 * falls behind (large send buffer) skips increments and gets a fresh state when it
 * catches up, so a slow browser never makes the server buffer without bound. An upgrade is
 * refused with an HTTP status before any event is sent unless the BrowserGuard accepts it.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  API_PATHS,
  EVENTS_SUBPROTOCOL,
  type Counters,
  type ViewerEvent
} from '../../protocol/index.js';
import type { ViewerCore } from '../core/viewer-core.js';
import type { BrowserGuard, Refused } from './browser-guard.js';

const FLUSH_MS = 50;
const STATS_MS = 1000;
const BEHIND_BYTES = 1 << 20;
/** Clients send nothing on this socket; a bigger frame closes it (ws's default is 100 MiB). */
const MAX_CLIENT_FRAME_BYTES = 1024;

export class EventHub {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CLIENT_FRAME_BYTES,
    // Select the events protocol, never echo the one that carries the token.
    handleProtocols: protocols => (protocols.has(EVENTS_SUBPROTOCOL) ? EVENTS_SUBPROTOCOL : false)
  });
  private readonly behind = new WeakSet<WebSocket>();
  private readonly timers: NodeJS.Timeout[] = [];
  private soonTimer: NodeJS.Timeout | undefined;
  private lastFlush = 0;

  constructor(
    private readonly core: ViewerCore,
    private readonly guard: BrowserGuard,
    /** The counters a stats event carries (the server adds its sockets' to the core's). */
    private readonly counters: () => Counters = () => core.counters.snapshot()
  ) {
    this.wss.on('connection', ws => {
      // A frame over maxPayload is reported here (then ws closes with 1009); unheard, it
      // was an uncaught exception that stopped the server.
      ws.on('error', err => this.guard.refuseFrame(err.message));
      this.send(ws, { type: 'state', state: core.state() });
    });
    this.timers.push(setInterval(() => this.flush(), FLUSH_MS));
    this.timers.push(setInterval(() => this.stats(), STATS_MS));
  }

  /** For http.Server 'upgrade'; returns false when the path is not the events endpoint. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname !== `/${API_PATHS.events}` && !pathname.endsWith(`/${API_PATHS.events}`))
      return false;
    const refused = this.guard.checkUpgrade(req);
    if (refused) {
      refuseUpgrade(socket, refused);
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, ws => this.wss.emit('connection', ws, req));
    return true;
  }

  get clientCount(): number {
    return this.wss.clients.size;
  }

  /**
   * New changes (an ingest finished): flush on the next turn if the last flush that had
   * changes is 50 ms old, else when it will be, so a burst is still coalesced.
   */
  soon(): void {
    if (this.soonTimer !== undefined) return;
    const wait = Math.max(0, this.lastFlush + FLUSH_MS - Date.now());
    this.soonTimer = setTimeout(() => {
      this.soonTimer = undefined;
      this.flush();
    }, wait);
  }

  flush(): void {
    const events = this.core.takeEvents();
    if (events.length > 0) this.lastFlush = Date.now();
    for (const ws of this.wss.clients) {
      if (ws.readyState !== ws.OPEN) continue;
      if (ws.bufferedAmount > BEHIND_BYTES) {
        this.behind.add(ws);
        continue;
      }
      if (this.behind.has(ws)) {
        this.behind.delete(ws);
        this.send(ws, { type: 'state', state: this.core.state() });
        continue;
      }
      for (const event of events) this.send(ws, event);
    }
  }

  private stats(): void {
    if (this.wss.clients.size === 0) return;
    const event: ViewerEvent = {
      type: 'stats',
      counters: this.counters(),
      images_per_second: this.core.counters.rate()
    };
    for (const ws of this.wss.clients)
      if (ws.readyState === ws.OPEN && !this.behind.has(ws)) this.send(ws, event);
  }

  private send(ws: WebSocket, event: ViewerEvent): void {
    ws.send(JSON.stringify(event));
  }

  close(): void {
    for (const timer of this.timers) clearInterval(timer);
    clearTimeout(this.soonTimer);
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}

/** An HTTP reply on the raw socket instead of the upgrade, then close. */
function refuseUpgrade(socket: Duplex, refused: Refused): void {
  const body = JSON.stringify({ error: refused.message });
  const reason = refused.status === 401 ? 'Unauthorized' : 'Forbidden';
  socket.end(
    `HTTP/1.1 ${refused.status} ${reason}\r\nConnection: close\r\n` +
      `Content-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}
