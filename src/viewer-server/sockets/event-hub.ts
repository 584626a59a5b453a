/**
 * WebSocket `api/events`: each client gets the full state on connect, then coalesced
 * changes (layer, plane, cleared) every 50 ms and counters once a second. A client that
 * falls behind (large send buffer) skips increments and gets a fresh state when it
 * catches up, so a slow browser never makes the server buffer without bound.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { API_PATHS, type ViewerEvent } from '../../protocol/index.js';
import type { ViewerCore } from '../core/viewer-core.js';

const FLUSH_MS = 50;
const STATS_MS = 1000;
const BEHIND_BYTES = 1 << 20;

export class EventHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly behind = new WeakSet<WebSocket>();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly core: ViewerCore) {
    this.wss.on('connection', ws => this.send(ws, { type: 'state', state: core.state() }));
    this.timers.push(setInterval(() => this.flush(), FLUSH_MS));
    this.timers.push(setInterval(() => this.stats(), STATS_MS));
  }

  /** For http.Server 'upgrade'; returns false when the path is not the events endpoint. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname !== `/${API_PATHS.events}` && !pathname.endsWith(`/${API_PATHS.events}`))
      return false;
    this.wss.handleUpgrade(req, socket, head, ws => this.wss.emit('connection', ws, req));
    return true;
  }

  get clientCount(): number {
    return this.wss.clients.size;
  }

  flush(): void {
    const events = this.core.takeEvents();
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
      counters: this.core.counters.snapshot(),
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
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}
