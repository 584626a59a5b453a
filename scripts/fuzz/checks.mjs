// The checks after (and during) the flood: status answers in time, counters equal the sum
// of the predictions, memory stayed bounded, only allowed files are open, no planted file
// was touched, and the server still stores and serves a valid batch.
import * as path from 'node:path';
import * as zmq from 'zeromq';
import { BROWSER_TOKEN_HEADER, httpPort, planeUrl } from '../../lib/protocol/index.js';
import { controlRequest, SHM_DIR } from '../../lib/protocol/node/index.js';
import { httpSend } from './clients.mjs';
import { json, pixelBytes } from './images.mjs';
import { openFiles } from './server.mjs';

const MiB = 2 ** 20;
export const mib = bytes => `${(bytes / MiB).toFixed(1)} MiB`;

/** Status with the server's secret; {status, ms} or {error, ms}. */
export async function timedStatus(server, timeoutMs) {
  const t0 = performance.now();
  try {
    const reply = await controlRequest(
      server.port,
      { type: 'status' },
      { secret: server.record.secret, timeoutMs }
    );
    const ms = performance.now() - t0;
    return reply.type === 'status'
      ? { status: reply.status, ms }
      : { error: JSON.stringify(reply), ms };
  } catch (err) {
    return { error: err.message, ms: performance.now() - t0 };
  }
}

/** Descriptors of the server that point anywhere but its store, log, sockets, our segments, node internals. */
export function foreignFds(server, files) {
  const ours = name => files.own.has(name);
  return openFiles(server.pid).filter(target => {
    if (/^(socket|pipe|anon_inode):/.test(target)) return false;
    if (target === '/dev/null' || target === '/dev/urandom') return false;
    if (target === server.logFile || target.startsWith(server.storeDir + path.sep)) return false;
    if (path.dirname(target) === SHM_DIR && ours(path.basename(target))) return false;
    return true;
  });
}

/**
 * Differences between what the status counters grew by since `before` (taken when the server
 * was ready: a ping at start may count as a peer without handshake) and the predictions.
 */
export function counterProblems(after, tally, before) {
  const grew = (get, key) => (get(after)?.[key] ?? 0) - (get(before)?.[key] ?? 0);
  const out = [];
  const compare = (label, server, sent) => {
    if (server !== sent) out.push(`${label}: server ${server}, sent ${sent}`);
  };
  const e = tally.expected;
  for (const key of ['messages', 'images', 'errors', 'dropped'])
    compare(
      key,
      grew(c => c, key),
      e[key]
    );
  const reasons = c => c.segments_refused_reasons;
  for (const r of new Set([
    ...Object.keys(after.segments_refused_reasons ?? {}),
    ...Object.keys(e.reasons)
  ]))
    compare(`segments_refused_reasons.${r}`, grew(reasons, r), e.reasons[r] ?? 0);
  compare(
    'control_unauthorized',
    grew(c => c, 'control_unauthorized'),
    tally.unauthorized
  );
  const browser = c => c.browser_refused_reasons;
  for (const r of new Set([
    ...Object.keys(after.browser_refused_reasons ?? {}),
    ...Object.keys(tally.browser)
  ]))
    compare(`browser_refused_reasons.${r}`, grew(browser, r), tally.browser[r] ?? 0);
  compare(
    'peers_refused_reasons.no_handshake (raw connections)',
    grew(c => c.peers_refused_reasons, 'no_handshake'),
    tally.raw.sent
  );
  return out;
}

/**
 * A valid batch after the flood: a raw frame and a segment of ours, both stored, and the
 * frame's plane served by api/plane byte for byte. Returns problems.
 */
export async function stillServes(server, files, rng) {
  const frame = pixelBytes(rng, [16, 16], 'uint16');
  const segment = pixelBytes(rng, [8, 8], 'uint8');
  const name = files.write(segment);
  const header = {
    type: 'batch',
    images: [
      {
        path: '/final/frame',
        shape: [16, 16],
        dtype: 'uint16',
        image_id: 'f',
        frame: 1,
        metadata: { source: 'fzfinal' }
      },
      {
        path: '/final/shm',
        shape: [8, 8],
        dtype: 'uint8',
        image_id: 's',
        shm_name: name,
        metadata: { source: 'fzfinalshm' }
      }
    ]
  };
  const socket = new zmq.Request({ linger: 0, receiveTimeout: 10_000, sendTimeout: 10_000 });
  const out = [];
  try {
    socket.connect(`tcp://127.0.0.1:${server.port}`);
    await socket.send([json(header), frame]);
    const [reply] = await socket.receive();
    const parsed = JSON.parse(reply.toString());
    if (parsed.status !== 'success' || parsed.accepted !== 2)
      out.push(`valid batch: ${reply.toString()}`);
  } catch (err) {
    out.push(`valid batch: ${err.message}`);
  } finally {
    socket.close();
  }
  if (files.exists(name)) out.push(`valid batch: segment ${name} not unlinked`);
  for (const [layer, bytes] of [
    ['source_fzfinal', frame],
    ['source_fzfinalshm', segment]
  ]) {
    const url = new URL(planeUrl(`http://127.0.0.1:${httpPort(server.port)}/`, layer, {}, 16));
    const answer = await httpSend(httpPort(server.port), {
      path: url.pathname + url.search,
      headers: { [BROWSER_TOKEN_HEADER]: server.record.browser_token }
    });
    if (answer.status !== 200) out.push(`api/plane ${layer}: ${answer.status ?? answer.error}`);
    else if (!Buffer.from(bytes).equals(answer.body))
      out.push(`api/plane ${layer}: other bytes than sent`);
  }
  return out;
}
