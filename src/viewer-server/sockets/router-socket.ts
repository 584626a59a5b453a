/**
 * The serve loop of the data and control sockets: a ZeroMQ ROUTER that answers every
 * message once, in arrival order.
 *
 * A ROUTER socket serves REQ and DEALER peers alike. A message arrives as
 * [identity, (empty delimiter if the peer is REQ), ...body]; the reply must carry the same
 * envelope back. A body never starts with an empty frame (its header is JSON), so an empty
 * second frame is always the REQ delimiter.
 */
import * as zmq from 'zeromq';
import { REMOTE_ZAP_DOMAIN, ZAP_DOMAIN, type ZapHandler } from './zap-handler.js';

export interface RoutedMessage {
  envelope: Buffer[];
  body: Buffer[];
}

export function splitEnvelope(frames: Buffer[]): RoutedMessage {
  const [identity, ...rest] = frames;
  if (rest.length > 0 && rest[0].byteLength === 0) {
    return { envelope: [identity, rest[0]], body: rest.slice(1) };
  }
  return { envelope: [identity], body: rest };
}

/** What a socket does with the body of each message. */
export interface RouterService {
  /** The encoded reply, and what to run once it was handed to zeromq (sent or not). */
  handle(body: Buffer[]): Promise<RouterReply> | RouterReply;
  /** The encoded reply when `handle` threw (log it here). */
  failed(err: Error): Uint8Array;
}

export interface RouterReply {
  reply: Uint8Array;
  afterReply?: () => void;
}

export class RouterSocket {
  private readonly socket: zmq.Router;
  private loop: Promise<void> | null = null;

  /**
   * `name` prefixes the log lines; `linger` is how long close() tries to send replies;
   * `maxMessageSize` bounds each received message part: libzmq drops the connection of a
   * peer that sends a bigger one before buffering it (protocol/limits.ts); `zap` decides who
   * may connect (its context, and the ZAP domain that makes libzmq ask it); `curve` makes it
   * a CURVE server with this secret key (the remote data socket).
   */
  constructor(
    private readonly name: string,
    linger: number,
    protected readonly log: (line: string) => void,
    maxMessageSize: number,
    zap: ZapHandler,
    curve?: { secretKey: string }
  ) {
    this.socket = new zmq.Router({
      context: zap.context,
      // A CURVE socket (remote producers) has a ZAP domain of its own: ZAP lets in any
      // address there, since only a peer with the server's public key gets this far.
      zapDomain: curve ? REMOTE_ZAP_DOMAIN : ZAP_DOMAIN,
      ...(curve ? { curveServer: true, curveSecretKey: curve.secretKey } : {}),
      linger,
      sendTimeout: 1000,
      maxMessageSize
    });
    zap.watch(this.socket, name);
  }

  /** Throws with code EADDRINUSE when the endpoint is taken. */
  async bind(endpoint: string): Promise<void> {
    await this.socket.bind(endpoint);
  }

  protected serve(service: RouterService): void {
    this.loop = (async () => {
      for await (const frames of this.socket) {
        const { envelope, body } = splitEnvelope(frames);
        let answer: RouterReply;
        try {
          answer = await service.handle(body);
        } catch (err) {
          answer = { reply: service.failed(err as Error) };
        }
        try {
          await this.socket.send([...envelope, answer.reply]);
        } catch (err) {
          this.log(`${this.name}: reply not sent (peer gone?): ${(err as Error).message}`);
        }
        answer.afterReply?.();
      }
    })().catch((err: unknown) => {
      if (!this.socket.closed)
        this.log(`${this.name}: receive loop ended: ${(err as Error).message}`);
    });
  }

  async close(): Promise<void> {
    this.socket.close();
    await this.loop;
  }
}
