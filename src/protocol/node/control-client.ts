/**
 * One request/reply on a server's control port with a bound on every wait: OpenHCS's REQ
 * socket without a timeout hung producers forever when the viewer died. Requests other than
 * ping carry the server's secret, taken from this user's record of that port unless given;
 * without a record of ours nothing secret is sent (the server then refuses the request).
 */
import * as zmq from 'zeromq';
import { decodeJson, encodeJson } from '../codec.js';
import { ControlReplySchema, type ControlReply, type ControlRequest } from '../messages.js';
import { controlPort, DEFAULT_HOST, tcpEndpoint } from '../ports.js';
import { receiveWithin, sendWithin } from './deadline.js';
import { liveServerRecord } from './server-record.js';

export class ControlTimeoutError extends Error {
  override name = 'ControlTimeoutError';
}

export interface ControlOptions {
  host?: string;
  timeoutMs?: number;
  /** The server's secret; default: from this user's live record of the port, if any. */
  secret?: string;
  /** Whose viewer home holds that record (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** `request` with its `auth` filled in from `secret` or the record, when it needs one. */
function withAuth(
  dataPort: number,
  request: ControlRequest,
  options: ControlOptions
): ControlRequest {
  if (request.type === 'ping' || request.auth !== undefined) return request;
  const secret = options.secret ?? liveServerRecord(dataPort, options.env)?.secret;
  return secret === undefined ? request : { ...request, auth: secret };
}

/** Send `request` to the control port of the server on `dataPort`; rejects after the timeout. */
export async function controlRequest(
  dataPort: number,
  request: ControlRequest,
  options: ControlOptions = {}
): Promise<ControlReply> {
  const { host = DEFAULT_HOST, timeoutMs = 2000 } = options;
  const message = withAuth(dataPort, request, options);
  // Bounded without zeromq's timeout options, which crash Deno (see deadline.ts).
  const socket = new zmq.Request({ linger: 0 });
  const endpoint = tcpEndpoint(host, controlPort(dataPort));
  const deadline = Date.now() + timeoutMs;
  try {
    socket.connect(endpoint);
    await sendWithin(socket, encodeJson(message), timeoutMs, 'send');
    const [reply] = await receiveWithin(socket, Math.max(0, deadline - Date.now()), 'receive');
    return decodeJson(reply, ControlReplySchema, `control reply from ${endpoint}`);
  } catch (err) {
    if ((err as { code?: string }).code === 'EAGAIN') {
      throw new ControlTimeoutError(
        `no reply to ${request.type} from ${endpoint} within ${timeoutMs} ms`
      );
    }
    throw err;
  } finally {
    if (!socket.closed) socket.close();
  }
}

/** The pong of a ready server, or null when nothing answers in time. */
export async function ping(
  dataPort: number,
  options: ControlOptions = {}
): Promise<Extract<ControlReply, { type: 'pong' }> | null> {
  try {
    const reply = await controlRequest(dataPort, { type: 'ping' }, options);
    return reply.type === 'pong' && reply.ready ? reply : null;
  } catch (err) {
    if (err instanceof ControlTimeoutError) return null;
    throw err;
  }
}
