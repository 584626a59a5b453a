/**
 * The control socket: ROUTER on P+1000 for ping, status, clear_state, clear_owner, open_plate and
 * shutdown, as
 * JSON (our producers and CLI); a pickled request (first byte 0x80) is OpenHCS's and goes to
 * openhcs-control.ts, which answers with pickles. Invalid requests get an error
 * reply naming what was wrong. ping is open (readiness, pid, ports, uid); every other request
 * must carry the server's secret in `auth` (its record, readable only by its user), else it
 * gets a "not authorized" reply, is counted and does nothing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  ControlRequestSchema,
  decodeJson,
  encodeJson,
  isPickle,
  MAX_CONTROL_MESSAGE_BYTES,
  type ControlReply,
  type ControlRequest
} from '../../protocol/index.js';
import { LimitedLog } from '../core/limited-log.js';
import type { OpenHcsControl } from './openhcs-control.js';
import { RouterSocket } from './router-socket.js';
import type { ZapHandler } from './zap-handler.js';

/** What sends each request with the secret (named in refusals). */
const SENT_BY: Record<ControlRequest['type'], string> = {
  ping: 'pipeline-viewer server start',
  status: 'pipeline-viewer server status',
  clear_state: 'pipeline-viewer server clear',
  clear_owner: "a pipeline run's viewer sink (runtime/streaming)",
  shutdown: 'pipeline-viewer server stop',
  open_plate: 'pipeline-viewer open PATH'
};

/** Unauthorized requests logged one by one; later ones are only counted. */
const LOGGED_UNAUTHORIZED = 5;

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export class ControlSocket extends RouterSocket {
  private readonly secretDigest: Buffer;
  private unauthorizedCount = 0;
  /** Malformed requests (pickles, random bytes) are any peer's to send: rate-limited lines. */
  private readonly failures: LimitedLog;

  constructor(log: (line: string) => void, zap: ZapHandler, secret: string) {
    super('control', 500, log, MAX_CONTROL_MESSAGE_BYTES, zap);
    this.secretDigest = digest(secret);
    this.failures = new LimitedLog(log, 'failed control requests');
  }

  get unauthorized(): number {
    return this.unauthorizedCount;
  }

  /** Equal-length digests, compared in constant time: the reply time tells nothing. */
  private authorized(request: ControlRequest): boolean {
    if (request.type === 'ping') return true;
    return request.auth !== undefined && timingSafeEqual(digest(request.auth), this.secretDigest);
  }

  /**
   * `afterReply` runs once the reply was handed to zeromq (shutdown exits there); requests
   * that start with a pickle's first byte (0x80) go to `pickles` (OpenHCS), JSON ones here.
   */
  start(
    handle: (request: ControlRequest) => ControlReply | Promise<ControlReply>,
    afterReply: (request: ControlRequest) => void,
    pickles?: OpenHcsControl
  ): void {
    const failed = (err: Error): Uint8Array => {
      this.failures.line(`control: ${err.message}`);
      const reply: ControlReply = { type: 'error', error: err.message };
      return encodeJson(reply);
    };
    this.serve({
      // An invalid or unauthorized request gets an error reply, without afterReply.
      handle: async body => {
        if (pickles && body.length === 1 && isPickle(body[0]))
          return { reply: pickles.answer(body[0]) };
        const request = decodeJson(
          body[0] ?? new Uint8Array(),
          ControlRequestSchema,
          'control request'
        );
        if (!this.authorized(request)) return { reply: this.refuse(request) };
        let reply: Uint8Array;
        try {
          reply = encodeJson(await handle(request));
        } catch (err) {
          reply = failed(err as Error);
        }
        return { reply, afterReply: () => afterReply(request) };
      },
      failed
    });
  }

  private refuse(request: ControlRequest): Uint8Array {
    this.unauthorizedCount++;
    const given = 'auth' in request ? request.auth : undefined;
    const what = given === undefined ? 'carries no secret' : 'carries a wrong secret';
    if (this.unauthorizedCount <= LOGGED_UNAUTHORIZED) {
      this.log(`control: refused ${request.type}: it ${what} [#${this.unauthorizedCount}]`);
    }
    const reply: ControlReply = {
      type: 'error',
      error:
        `not authorized: ${request.type} ${what}; only the user who started this server can ` +
        `send it, with the secret ("auth") from the server record in that user's viewer home ` +
        `(${SENT_BY[request.type]} does this)`
    };
    return encodeJson(reply);
  }
}
