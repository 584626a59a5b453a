/**
 * One request/reply on a server's control port with a bound on every wait: OpenHCS's REQ
 * socket without a timeout hung producers forever when the viewer died.
 */
import * as zmq from 'zeromq';
import { decodeJson, encodeJson } from '../codec.js';
import { ControlReplySchema, type ControlReply, type ControlRequest } from '../messages.js';
import { controlPort, DEFAULT_HOST, tcpEndpoint } from '../ports.js';
import { receiveWithin, sendWithin } from './deadline.js';

export class ControlTimeoutError extends Error {
  override name = 'ControlTimeoutError';
}

export interface ControlOptions {
  host?: string;
  timeoutMs?: number;
}

/** Send `request` to the control port of the server on `dataPort`; rejects after the timeout. */
export async function controlRequest(
  dataPort: number,
  request: ControlRequest,
  { host = DEFAULT_HOST, timeoutMs = 2000 }: ControlOptions = {}
): Promise<ControlReply> {
  // Bounded without zeromq's timeout options, which crash Deno (see deadline.ts).
  const socket = new zmq.Request({ linger: 0 });
  const endpoint = tcpEndpoint(host, controlPort(dataPort));
  const deadline = Date.now() + timeoutMs;
  try {
    socket.connect(endpoint);
    await sendWithin(socket, encodeJson(request), timeoutMs, 'send');
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
