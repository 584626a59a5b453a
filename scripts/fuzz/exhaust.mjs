// After the flood: one-pixel planes of distinct values until the server refuses them. Each
// plane's bookkeeping stays in memory even when its pixels are spilled, so the memory
// budget must stop them with an error that names it; the RSS stays bounded meanwhile, and
// after a clear (with the secret) planes are taken again.
import * as zmq from 'zeromq';
import { controlRequest } from '../../lib/protocol/node/index.js';
import { json } from './images.mjs';

const PER_MESSAGE = 200;
/**
 * Bookkeeping per plane, at least (measured 1.6–2.4 KB, src/viewer-server/pixels/
 * memory-cost.ts): once budget / this many planes were taken, the budget was passed.
 */
const MIN_BOOKKEEPING = 2048;
/** The phase gives up after this long (a server that never refuses would take minutes). */
const PHASE_MS = 120_000;

async function send(socket, header) {
  await socket.send([json(header)]);
  const [reply] = await socket.receive();
  return JSON.parse(reply.toString());
}

const tiny = (n, layer) => ({
  type: 'batch',
  layer_name: layer,
  images: Array.from({ length: n.count }, (_, i) => ({
    path: `/exhaust/${n.first + i}`,
    shape: [1, 1],
    dtype: 'uint8',
    image_id: `e${n.first + i}`,
    data: [[1]],
    // well × site: every plane a slot of its own, no axis near MAX_AXIS_VALUES
    metadata: { well: `e${(n.first + i) % 256}`, site: 1 + Math.floor((n.first + i) / 256) }
  }))
});

/** Returns {problems, planes (accepted before the refusal), refusal (text)}. */
export async function exhaustBudget(server, budgetBytes, memoryCheck) {
  const problems = [];
  const socket = new zmq.Request({ linger: 0, receiveTimeout: 30_000, sendTimeout: 30_000 });
  socket.connect(`tcp://127.0.0.1:${server.port}`);
  let planes = 0;
  let refusal = null;
  try {
    const maxPlanes = Math.ceil(budgetBytes / MIN_BOOKKEEPING);
    const started = Date.now();
    while (refusal === null && planes < maxPlanes && Date.now() - started < PHASE_MS) {
      const reply = await send(socket, tiny({ first: planes, count: PER_MESSAGE }, 'fz-exhaust'));
      if (reply.status === 'success') planes += reply.accepted;
      if (reply.status !== 'success' || reply.rejected > 0) {
        // One more image alone: its refusal comes back with the reason.
        const alone = await send(socket, tiny({ first: maxPlanes + 1, count: 1 }, 'fz-exhaust'));
        refusal = alone.status === 'error' ? alone.error : JSON.stringify(alone);
      }
    }
    if (refusal === null)
      problems.push(
        `${planes} one-pixel planes taken in ${((Date.now() - started) / 1000).toFixed(0)} s, none refused: the budget does not bound their bookkeeping`
      );
    else if (!/memory.budget/.test(refusal))
      problems.push(`refusal does not name the memory budget: ${refusal.slice(0, 300)}`);
    problems.push(...memoryCheck());
    const ack = await controlRequest(
      server.port,
      { type: 'clear_state' },
      { secret: server.record.secret, timeoutMs: 5000 }
    );
    if (ack.type !== 'clear_state_ack')
      problems.push(`clear with the secret: ${JSON.stringify(ack)}`);
    const again = await send(socket, tiny({ first: 0, count: 1 }, 'fz-exhaust'));
    if (again.status !== 'success' || again.accepted !== 1)
      problems.push(`after the clear: ${JSON.stringify(again)}`);
  } catch (err) {
    problems.push(err.message);
  } finally {
    socket.close();
  }
  return { problems, planes, refusal };
}
