/**
 * The control socket: ROUTER on P+1000 for ping, status, clear_state and shutdown, as
 * JSON (OpenHCS pickles; our producers and CLI speak JSON). Invalid requests get an error
 * reply naming what was wrong.
 */
import {
  ControlRequestSchema,
  decodeJson,
  encodeJson,
  MAX_CONTROL_MESSAGE_BYTES,
  type ControlReply,
  type ControlRequest
} from '../../protocol/index.js';
import { RouterSocket } from './router-socket.js';

export class ControlSocket extends RouterSocket {
  constructor(log: (line: string) => void) {
    super('control', 500, log, MAX_CONTROL_MESSAGE_BYTES);
  }

  /** `afterReply` runs once the reply was handed to zeromq (shutdown exits there). */
  start(
    handle: (request: ControlRequest) => ControlReply,
    afterReply: (request: ControlRequest) => void
  ): void {
    const failed = (err: Error): Uint8Array => {
      this.log(`control: ${err.message}`);
      const reply: ControlReply = { type: 'error', error: err.message };
      return encodeJson(reply);
    };
    this.serve({
      // An invalid request throws here and gets failed()'s reply, without afterReply.
      handle: body => {
        const request = decodeJson(
          body[0] ?? new Uint8Array(),
          ControlRequestSchema,
          'control request'
        );
        let reply: Uint8Array;
        try {
          reply = encodeJson(handle(request));
        } catch (err) {
          reply = failed(err as Error);
        }
        return { reply, afterReply: () => afterReply(request) };
      },
      failed
    });
  }
}
