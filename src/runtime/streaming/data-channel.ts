/**
 * Request/reply on a server's data port with a bound on every wait. A DEALER socket sends the
 * same envelope as a REQ socket (an empty delimiter frame, then the message), so the server's
 * ROUTER treats it like OpenHCS's REQ producers; unlike REQ it never wedges after a timeout.
 * After any failure the socket is thrown away, so a late reply to an abandoned message can
 * never be mistaken for the reply to the next one.
 */
import * as zmq from 'zeromq';
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
  /** Bound on handing a message to a connected server (fails fast when none is connected). */
  sendTimeoutMs?: number;
  /** Bound on waiting for the server's reply. */
  replyTimeoutMs?: number;
}

const EMPTY = new Uint8Array(0);

export class DataChannel {
  readonly endpoint: string;
  private socket: zmq.Dealer | null = null;
  private readonly sendTimeoutMs: number;
  private readonly replyTimeoutMs: number;

  constructor(port: number, options: DataChannelOptions = {}) {
    this.endpoint = tcpEndpoint(options.host ?? DEFAULT_HOST, port);
    this.sendTimeoutMs = options.sendTimeoutMs ?? 2000;
    this.replyTimeoutMs = options.replyTimeoutMs ?? 10_000;
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
    try {
      reply = await receiveWithin(socket, this.replyTimeoutMs, 'reply');
    } catch (err) {
      this.discard(socket);
      throw this.failure('reply', err, this.replyTimeoutMs);
    }
    const body = reply.filter(f => f.byteLength > 0);
    try {
      return decodeJson(body[0] ?? EMPTY, BatchReplySchema, `reply from ${this.endpoint}`);
    } catch (err) {
      this.discard(socket);
      throw new DataChannelError((err as Error).message);
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
