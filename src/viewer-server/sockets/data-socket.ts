/**
 * The data socket: ROUTER bound on tcp://127.0.0.1:P (and an IPC endpoint). Every message
 * gets a reply, a malformed one too (OpenHCS mistake 3 wedged its REP socket), and the reply
 * is sent only after the pixels were copied out of shared memory.
 */
import { encodeJson, MAX_DATA_MESSAGE_BYTES, type BatchReply } from '../../protocol/index.js';
import { RouterSocket } from './router-socket.js';

export class DataSocket extends RouterSocket {
  constructor(log: (line: string) => void) {
    super('data', 0, log, MAX_DATA_MESSAGE_BYTES);
  }

  start(handle: (body: Buffer[]) => Promise<BatchReply>): void {
    this.serve({
      handle: async body => ({ reply: encodeJson(await handle(body)) }),
      failed: err => {
        this.log(`data: handler failed: ${err.stack}`);
        const reply: BatchReply = {
          status: 'error',
          type: 'batch',
          error: `server error: ${err.message}`
        };
        return encodeJson(reply);
      }
    });
  }
}
