/**
 * The data socket: ROUTER bound on tcp://127.0.0.1:P. Every message gets a reply, a
 * malformed one too (OpenHCS mistake 3 wedged its REP socket), and the reply is sent only
 * after the pixels were copied out of shared memory.
 */
import * as zmq from 'zeromq';
import { encodeJson, type BatchReply } from '../../protocol/index.js';
import { splitEnvelope } from './router-socket.js';

export class DataSocket {
  private readonly socket = new zmq.Router({ linger: 0, sendTimeout: 1000 });
  private loop: Promise<void> | null = null;

  constructor(private readonly log: (line: string) => void) {}

  /** Binding is the one-server-per-port lock; throws with code EADDRINUSE when taken. */
  async bind(endpoint: string): Promise<void> {
    await this.socket.bind(endpoint);
  }

  start(handle: (body: Buffer[]) => Promise<BatchReply>): void {
    this.loop = (async () => {
      for await (const frames of this.socket) {
        const { envelope, body } = splitEnvelope(frames);
        let reply: BatchReply;
        try {
          reply = await handle(body);
        } catch (err) {
          reply = {
            status: 'error',
            type: 'batch',
            error: `server error: ${(err as Error).message}`
          };
          this.log(`data: handler failed: ${(err as Error).stack}`);
        }
        try {
          await this.socket.send([...envelope, encodeJson(reply)]);
        } catch (err) {
          this.log(`data: reply not sent (peer gone?): ${(err as Error).message}`);
        }
      }
    })().catch((err: unknown) => {
      if (!this.socket.closed) this.log(`data: receive loop ended: ${(err as Error).message}`);
    });
  }

  async close(): Promise<void> {
    this.socket.close();
    await this.loop;
  }
}
