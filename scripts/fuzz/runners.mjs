// One loop per client: build each of its messages from (seed, index), send it with a bounded
// wait, compare the answer with the prediction, and for data messages check that every
// segment the message named is gone when the reply arrives (sweeping, as a producer
// does, the ones it no longer named).
import { httpSend, rawSend, wsSend } from './clients.mjs';
import { BY_NAME } from './schedule.mjs';
import { Tally } from './tally.mjs';

const HEADER_SCAN_LIMIT = 32 * 2 ** 20;

function wsProblem(expect, outcome) {
  if (outcome.error) return outcome.error;
  return outcome.close === expect.close
    ? null
    : `closed with ${outcome.close}, not ${expect.close}`;
}

/** The class each data client is sending now (for the memory peak's report). */
export const sending = new Map();

export function runners({ names, rngOf, files, tally, ctx, ports, alive }) {
  // Once the server is gone every client stops: the run reports how it ended.
  const runData = async (client, k, indexes) => {
    const own = { ...ctx, client: k, state: {} };
    for (const index of indexes) {
      if (!alive()) return;
      const name = names[index];
      const stats = tally.stats(name);
      const { built, created } = files.collect(() => BY_NAME.get(name).build(rngOf(index), own));
      if (built === null) {
        stats.skipped++;
        continue;
      }
      stats.sent++;
      tally.expectData(built.expect);
      sending.set(k, name);
      const outcome = await client.request(built.frames);
      sending.delete(k);
      const problem = outcome.reply
        ? Tally.dataProblem(built.expect, outcome.reply)
        : 'no reply within 30 s';
      // The server unlinks, before replying, every segment the header still names.
      const header =
        built.frames[0].length < HEADER_SCAN_LIMIT
          ? Buffer.from(built.frames[0]).toString('latin1')
          : '';
      const gone = built.gone ?? created.filter(n => header.includes(`"shm_name":"${n}"`));
      const leaked = gone.filter(n => files.exists(n));
      for (const n of created) if (!gone.includes(n)) files.sweep(n);
      if (problem || leaked.length > 0)
        tally.fail(index, name, problem ?? `segment(s) left after the reply: ${leaked.join(', ')}`);
      else stats.ok++;
    }
  };

  const runControl = async (client, indexes) => {
    for (const index of indexes) {
      if (!alive()) return;
      const name = names[index];
      const stats = tally.stats(name);
      const built = BY_NAME.get(name).build(rngOf(index), ctx);
      stats.sent++;
      if (built.expect.unauthorized) tally.unauthorized++;
      const outcome = await client.request(built.frames, {
        expectDisconnect: Boolean(built.expect.disconnect),
        timeoutMs: 10_000
      });
      const problem = Tally.controlProblem(built.expect, outcome);
      if (problem) tally.fail(index, name, problem);
      else stats.ok++;
    }
  };

  // Raw TCP bytes to either ZeroMQ port: no reply expected; the server drops the peer and
  // counts it (no_handshake); whatever the bytes carried must change nothing.
  const runRaw = async indexes => {
    for (const index of indexes) {
      if (!alive()) return;
      const name = names[index];
      const rng = rngOf(index);
      const port = rng.chance(0.5) ? ports.data : ports.control;
      const result = await rawSend(port, BY_NAME.get(name).build(rng, port), 1000);
      const stats = tally.stats(name);
      stats.sent++;
      stats.ok++;
      tally.raw.sent++;
      if (result.closedByServer) tally.raw.closedByServer++;
    }
  };

  const runHttp = async indexes => {
    for (const index of indexes) {
      if (!alive()) return;
      const name = names[index];
      const stats = tally.stats(name);
      const request = BY_NAME.get(name).build(rngOf(index), ctx);
      stats.sent++;
      const reason = request.expect.reason;
      if (reason) tally.browser[reason] = (tally.browser[reason] ?? 0) + 1;
      const problem = request.ws
        ? wsProblem(request.expect, await wsSend(ports.http, request.path, request.payload))
        : Tally.httpProblem(request.expect, await httpSend(ports.http, request));
      if (problem) tally.fail(index, name, problem);
      else stats.ok++;
    }
  };

  return { runData, runControl, runRaw, runHttp };
}
