/**
 * Request/reply on a server's data port with a bound on every wait. A DEALER socket sends the
 * same envelope as a REQ socket (an empty delimiter frame, then the message), so the server's
 * ROUTER treats it like OpenHCS's REQ producers; unlike REQ it never wedges after a timeout.
 * Several requests may be in flight (the producer writes the next message while the server
 * reads this one); the server answers in arrival order, so replies are matched in order.
 * After any failure the socket is thrown away with every request pending on it, so a late
 * reply to an abandoned message can never be mistaken for the reply to the next one.
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
   * While a reply is pending, ping the server's control port this often, each ping given
   * twice this long; two missed pings in a row end the wait early (a killed server is noticed
   * in seconds, not at the reply timeout). The grace: with messages in flight a busy server
   * answers a ping only between two of them (measured up to 2.9 s apart at load 29 with
   * 64 MiB messages). 0 switches the watch off.
   */
  livenessIntervalMs?: number;
}

const EMPTY = new Uint8Array(0);

interface Watch {
  done: boolean;
  dead: boolean;
  timer?: ReturnType<typeof setTimeout>;
}

interface Pending {
  resolve(reply: BatchReply): void;
  reject(err: Error): void;
}

/**
 * One socket and the requests sent on it, oldest first. The server answers the messages of
 * one connection in arrival order (its serve loop handles one at a time), so the next reply
 * is always the oldest pending request's.
 */
interface Link {
  socket: zmq.Dealer;
  pending: Pending[];
  receiving: boolean;
  /** The last send on this socket: zeromq allows one at a time. */
  sending: Promise<unknown>;
  failed: boolean;
}

export class DataChannel {
  readonly endpoint: string;
  private link: Link | null = null;
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

  /**
   * Sends one message and returns the server's reply; throws DataChannelError on timeout or
   * close. Requests may overlap (a caller bounds how many): each is sent once the previous
   * send finished, and the replies are matched in order. A failure fails every request
   * pending on the socket, since their replies can no longer be told apart.
   */
  async request(frames: readonly Uint8Array[]): Promise<BatchReply> {
    const link = this.open();
    const previous = link.sending;
    const sent = previous.then(() =>
      link.failed
        ? Promise.reject(new Error('socket closed'))
        : sendWithin(link.socket, [EMPTY, ...frames], this.sendTimeoutMs, 'send')
    );
    link.sending = sent.catch(() => undefined);
    try {
      await sent;
    } catch (err) {
      const error = this.failure('send', err, this.sendTimeoutMs);
      this.fail(link, error);
      throw error;
    }
    if (link.failed) throw new DataChannelError(`the connection to ${this.endpoint} was closed`);
    const reply = new Promise<BatchReply>((resolve, reject) =>
      link.pending.push({ resolve, reject })
    );
    if (!link.receiving) void this.receive(link);
    return reply;
  }

  /** Takes replies while requests are pending, each within the reply bound. */
  private async receive(link: Link): Promise<void> {
    link.receiving = true;
    const watch: Watch = { done: false, dead: false };
    void this.watchServer(link.socket, watch);
    try {
      while (link.pending.length > 0 && !link.failed) {
        let reply: Buffer[];
        try {
          reply = await receiveWithin(link.socket, this.replyTimeoutMs, 'reply');
        } catch (err) {
          this.fail(
            link,
            watch.dead
              ? new DataChannelError(
                  `the viewer server at ${this.endpoint} stopped answering ping while a reply was pending (did it die?)`
                )
              : this.failure('reply', err, this.replyTimeoutMs)
          );
          return;
        }
        const body = reply.filter(f => f.byteLength > 0);
        let decoded: BatchReply;
        try {
          decoded = decodeJson(body[0] ?? EMPTY, BatchReplySchema, `reply from ${this.endpoint}`);
        } catch (err) {
          this.fail(link, new DataChannelError((err as Error).message));
          return;
        }
        link.pending.shift()?.resolve(decoded);
      }
    } finally {
      link.receiving = false;
      watch.done = true;
      clearTimeout(watch.timer); // the watcher's pending sleep never resolves and is collected
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
        timeoutMs: 2 * this.livenessIntervalMs
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

  /** Aborts the pending requests (they reject) and frees the socket; the channel may be used again. */
  close(): void {
    if (this.link)
      this.fail(this.link, new DataChannelError(`the connection to ${this.endpoint} was closed`));
  }

  private open(): Link {
    if (this.link) return this.link;
    // Timeouts are kept by deadline.ts, not by socket options: those crash Deno.
    const socket = new zmq.Dealer({
      linger: 0,
      // Queue nothing for a server that is not connected: send fails after sendTimeout instead.
      immediate: true
    });
    socket.connect(this.endpoint);
    this.link = {
      socket,
      pending: [],
      receiving: false,
      sending: Promise.resolve(),
      failed: false
    };
    return this.link;
  }

  /**
   * Throws the socket away with every request pending on it: a late reply to an abandoned
   * message must never be taken for the reply to the next one.
   */
  private fail(link: Link, error: DataChannelError): void {
    if (this.link === link) this.link = null;
    if (link.failed) return;
    link.failed = true;
    if (!link.socket.closed) link.socket.close(); // rejects a pending send or receive
    for (const pending of link.pending.splice(0)) pending.reject(error);
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
