/**
 * The control socket: ROUTER on P+1000 for ping, status, clear_state and shutdown, as
 * JSON (OpenHCS pickles; our producers and CLI speak JSON). Invalid requests get an error
 * reply naming what was wrong.
 */
import * as zmq from 'zeromq';
import {
  ControlRequestSchema,
  decodeJson,
  encodeJson,
  type ControlReply,
  type ControlRequest
} from '../../protocol/index.js';
import { splitEnvelope } from './router-socket.js';

export class ControlSocket {
  private readonly socket = new zmq.Router({ linger: 500, sendTimeout: 1000 });
  private loop: Promise<void> | null = null;

  constructor(private readonly log: (line: string) => void) {}

  async bind(endpoint: string): Promise<void> {
    await this.socket.bind(endpoint);
  }

  /** `afterReply` runs once the reply was handed to zeromq (shutdown exits there). */
  start(
    handle: (request: ControlRequest) => ControlReply,
    afterReply: (request: ControlRequest) => void
  ): void {
    this.loop = (async () => {
      for await (const frames of this.socket) {
        const { envelope, body } = splitEnvelope(frames);
        let request: ControlRequest | null = null;
        let reply: ControlReply;
        try {
          request = decodeJson(
            body[0] ?? new Uint8Array(),
            ControlRequestSchema,
            'control request'
          );
          reply = handle(request);
        } catch (err) {
          reply = { type: 'error', error: (err as Error).message };
          this.log(`control: ${(err as Error).message}`);
        }
        try {
          await this.socket.send([...envelope, encodeJson(reply)]);
        } catch (err) {
          this.log(`control: reply not sent: ${(err as Error).message}`);
        }
        if (request) afterReply(request);
      }
    })().catch((err: unknown) => {
      if (!this.socket.closed) this.log(`control: receive loop ended: ${(err as Error).message}`);
    });
  }

  async close(): Promise<void> {
    this.socket.close();
    await this.loop;
  }
}
