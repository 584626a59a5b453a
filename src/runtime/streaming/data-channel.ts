/**
 * Request/reply on a server's data port with a bound on every wait. A DEALER socket sends the
 * same envelope as a REQ socket (an empty delimiter frame, then the message), so the server's
 * ROUTER treats it like OpenHCS's REQ producers; unlike REQ it never wedges after a timeout.
 * After any failure the socket is thrown away, so a late reply to an abandoned message can
 * never be mistaken for the reply to the next one.
 */
import * as zmq from 'zeromq';
import { ping } from '../../protocol/node/control-client.js';
import { receiveWithin, sendWithin } from '../../protocol/node/deadline.js';
import {
  BatchReplySchema,
  decodeJson,
  DEFAULT_HOST,
  tcpEndpoint,
  type BatchReply
} from '../../protocol/index.js';

export class DataChannelError extends Error {
  override name = 'DataChannelError';
}

export interface DataChannelOptions {
  host?: string;
  /**
   * Where to send instead of tcp://host:port, e.g. the server's IPC endpoint
   * (protocol/node/ipc-endpoint.ts); the liveness ping still goes to the control port.
   */
  endpoint?: string;
  /** Bound on handing a message to a connected server (fails fast when none is connected). */
  sendTimeoutMs?: number;
  /** Bound on waiting for the server's reply. */
  replyTimeoutMs?: number;
  /**
   * While a reply is pending, ping the server's control port this often; two missed pings in
   * a row end the wait early (a killed server is noticed in seconds, not at the reply timeout).
   * 0 switches the watch off.
   */
  livenessIntervalMs?: number;
}

const EMPTY = new Uint8Array(0);

interface Watch {
  done: boolean;
  dead: boolean;
  timer?: ReturnType<typeof setTimeout>;
}

export class DataChannel {
  readonly endpoint: string;
  private socket: zmq.Dealer | null = null;
  private readonly sendTimeoutMs: number;
  private readonly replyTimeoutMs: number;
  private readonly livenessIntervalMs: number;
  private readonly host: string;

  constructor(
    readonly port: number,
    options: DataChannelOptions = {}
  ) {
    this.host = options.host ?? DEFAULT_HOST;
    this.endpoint = options.endpoint ?? tcpEndpoint(this.host, port);
    this.sendTimeoutMs = options.sendTimeoutMs ?? 2000;
    this.replyTimeoutMs = options.replyTimeoutMs ?? 10_000;
    this.livenessIntervalMs = options.livenessIntervalMs ?? 1000;
  }

  /** Sends one message and returns the server's reply; throws DataChannelError on timeout or close. */
  async request(frames: readonly Uint8Array[]): Promise<BatchReply> {
    const socket = this.open();
    try {
      await sendWithin(socket, [EMPTY, ...frames], this.sendTimeoutMs, 'send');
    } catch (err) {
      this.discard(socket);
      throw this.failure('send', err, this.sendTimeoutMs);
    }
    let reply: Buffer[];
    const watch: Watch = { done: false, dead: false };
    void this.watchServer(socket, watch);
    try {
      reply = await receiveWithin(socket, this.replyTimeoutMs, 'reply');
    } catch (err) {
      this.discard(socket);
      if (watch.dead) {
        throw new DataChannelError(
          `the viewer server at ${this.endpoint} stopped answering ping while a reply was pending (did it die?)`
        );
      }
      throw this.failure('reply', err, this.replyTimeoutMs);
    } finally {
      watch.done = true;
      clearTimeout(watch.timer); // the watcher's pending sleep never resolves and is collected
    }
    const body = reply.filter(f => f.byteLength > 0);
    try {
      return decodeJson(body[0] ?? EMPTY, BatchReplySchema, `reply from ${this.endpoint}`);
    } catch (err) {
      this.discard(socket);
      throw new DataChannelError((err as Error).message);
    }
  }

  /** Pings the control port while a reply is pending; closes the socket after two misses. */
  private async watchServer(socket: zmq.Dealer, watch: Watch): Promise<void> {
    if (this.livenessIntervalMs <= 0) return;
    let misses = 0;
    while (!watch.done && !socket.closed) {
      await new Promise(resolve => (watch.timer = setTimeout(resolve, this.livenessIntervalMs)));
      if (watch.done || socket.closed) return;
      const pong = await ping(this.port, {
        host: this.host,
        timeoutMs: this.livenessIntervalMs
      }).catch(() => null);
      if (watch.done || socket.closed) return;
      misses = pong ? 0 : misses + 1;
      if (misses >= 2) {
        watch.dead = true;
        socket.close(); // rejects the pending receive
        return;
      }
    }
  }

  /** Aborts a pending request (it rejects) and frees the socket; the channel may be used again. */
  close(): void {
    if (this.socket) this.discard(this.socket);
  }

  private open(): zmq.Dealer {
    if (this.socket) return this.socket;
    // Timeouts are kept by deadline.ts, not by socket options: those crash Deno.
    const socket = new zmq.Dealer({
      linger: 0,
      // Queue nothing for a server that is not connected: send fails after sendTimeout instead.
      immediate: true
    });
    socket.connect(this.endpoint);
    this.socket = socket;
    return socket;
  }

  private discard(socket: zmq.Dealer): void {
    if (this.socket === socket) this.socket = null;
    if (!socket.closed) socket.close();
  }

  private failure(stage: 'send' | 'reply', err: unknown, timeoutMs: number): DataChannelError {
    const code = (err as { code?: string }).code;
    if (code === 'EAGAIN') {
      return new DataChannelError(
        stage === 'send'
          ? `no viewer server accepted the message at ${this.endpoint} within ${timeoutMs} ms`
          : `no reply from the viewer server at ${this.endpoint} within ${timeoutMs} ms`
      );
    }
    return new DataChannelError(`${stage} to ${this.endpoint} failed: ${(err as Error).message}`);
  }
}
