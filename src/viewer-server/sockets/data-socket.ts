/**
 * The data socket: ROUTER bound on tcp://127.0.0.1:P (and an IPC endpoint). Every message
 * gets a reply, a malformed one too (OpenHCS mistake 3 wedged its REP socket), and the reply
 * is sent only after the pixels were copied out of shared memory. Who may connect at all is
 * the ZAP handler's decision (loopback TCP, IPC of the server's uid).
 */
import { encodeJson, MAX_DATA_MESSAGE_BYTES, type BatchReply } from '../../protocol/index.js';
import { RouterSocket } from './router-socket.js';
import type { ZapHandler } from './zap-handler.js';

const SHM_KEY = /"shm_name"\s*:/;

function refusal(error: string): BatchReply {
  return { status: 'error', type: 'batch', error };
}

export class DataSocket extends RouterSocket {
  /** With `curve`: the remote data socket (CURVE server, any address; docs/security.md). */
  constructor(log: (line: string) => void, zap: ZapHandler, curve?: { secretKey: string }) {
    super(curve ? 'remote data' : 'data', 0, log, MAX_DATA_MESSAGE_BYTES, zap, curve);
    this.remote = curve !== undefined;
  }

  private readonly remote: boolean;

  start(handle: (body: Buffer[]) => Promise<BatchReply>): void {
    const remote = this.remote;
    this.serve({
      handle: async body => {
        // A producer keeps messages in flight, so the next may already be queued: let the
        // control socket (its ping is the producer's liveness watch), HTTP and timers run
        // between two messages, or a stream of them starves everything else.
        await new Promise(resolve => setImmediate(resolve));
        // Shared memory names are this machine's: a remote peer must never make the
        // server open one (docs/security.md); its pixels come as frames or inline.
        const shm = remote && SHM_KEY.test(body[0]?.toString('latin1') ?? '');
        return {
          reply: encodeJson(
            shm
              ? refusal('remote producers send pixels as frames, not shared memory (shm_name)')
              : await handle(body)
          )
        };
      },
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
