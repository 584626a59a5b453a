#!/usr/bin/env node
// Fuzzes a real viewer server (lib/viewer-server/main.js; build with `npx tsc -b`) with
// malformed messages on its data, control and browser ports from several concurrent
// clients, then checks that it answered each as predicted, counted what it refused, kept
// its memory and files in bounds, and still serves (docs/security/fuzzing.md).
//   npm run fuzz -- [--messages 100000] [--seed N] [--port 20096] [--budget 128M] [--only a,b]
// --messages (or FUZZ_MESSAGES): malformed messages to the data and control ports; valid
// data messages and browser-API requests come on top. --only: just these classes (replay).
// Exit code 1 and a summary naming what failed when a check fails; the seed replays the run.
import { randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { controlPort, httpPort, MAX_PLANES_PER_IMAGE } from '../lib/protocol/index.js';
import { controlRequest, dataIpcEndpoint } from '../lib/protocol/node/index.js';
import { counterProblems, foreignFds, mib, stillServes, timedStatus } from './fuzz/checks.mjs';
import { slowReader, ZmqClient } from './fuzz/clients.mjs';
import { exhaustBudget } from './fuzz/exhaust.mjs';
import { VALID_SLOTS } from './fuzz/images.mjs';
import { AXIS_DISTINCT } from './fuzz/model-cases.mjs';
import { SegmentFiles } from './fuzz/planted.mjs';
import { mix, Rng } from './fuzz/prng.mjs';
import { runners, sending } from './fuzz/runners.mjs';
import { assign, BY_NAME, schedule } from './fuzz/schedule.mjs';
import { memoryOf, startServer, stopServer } from './fuzz/server.mjs';
import { Tally } from './fuzz/tally.mjs';

const MiB = 2 ** 20;
class ServerGone extends Error {}
const DATA_CLIENTS = 4;

function parseArgs(argv) {
  const args = {
    messages: Number(process.env.FUZZ_MESSAGES ?? 100_000),
    seed: randomInt(2 ** 31),
    port: 20096,
    budget: '128M',
    only: null
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in args) || argv[i + 1] === undefined)
      throw new Error(
        `bad option ${argv[i]}; options: --messages N --seed N --port N --budget 128M --only class,class`
      );
    args[key] =
      key === 'budget'
        ? argv[i + 1]
        : key === 'only'
          ? argv[i + 1].split(',')
          : Number(argv[i + 1]);
  }
  const m = /^(\d+)([MG]?)$/.exec(args.budget);
  if (!m) throw new Error(`--budget ${args.budget}: use e.g. 128M`);
  args.budgetBytes = Number(m[1]) * { '': 1, M: MiB, G: 1024 * MiB }[m[2]];
  return args;
}

const args = parseArgs(process.argv.slice(2));
const { seed, messages, budgetBytes } = args;
console.log(`fuzz: seed ${seed} (replay: npm run fuzz -- --seed ${seed} --messages ${messages})`);

const files = new SegmentFiles();
const tally = new Tally();
const lines = [];
const check = (name, problems, detail = '') => {
  lines.push(
    `fuzz: check ${name} ${problems.length === 0 ? 'PASS' : 'FAIL'}${detail ? ` (${detail})` : ''}`
  );
  for (const p of problems.slice(0, 25)) lines.push(`fuzz:   - ${p}`);
  return problems.length === 0;
};

let server;
// Killed (timeout, Ctrl-C): stop the server and remove what we planted before exiting.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.log(`fuzz: ${signal}: stopping the server, removing planted files (seed ${seed})`);
    server?.child.kill('SIGKILL');
    files.cleanup();
    if (server) fs.rmSync(server.home, { recursive: true, force: true });
    process.exit(130);
  });
}
try {
  files.plant();
  server = await startServer({ port: args.port, budget: budgetBytes });
  await new Promise(r => setTimeout(r, 1000));
  const idle = memoryOf(server.pid).rss;
  const before = (await timedStatus(server, 10_000)).status?.counters ?? {};
  const names = schedule(seed, messages, args.only);
  const lists = assign(names, { data: DATA_CLIENTS, control: 2, raw: 2, http: 2 });
  const tcp = `tcp://127.0.0.1:${server.port}`;
  const control = `tcp://127.0.0.1:${controlPort(server.port)}`;
  const clients = {
    data: [
      new ZmqClient('req', tcp),
      new ZmqClient('dealer', tcp),
      new ZmqClient('dealer', tcp, { delimiter: false }),
      new ZmqClient('dealer', dataIpcEndpoint(server.port, server.env) ?? tcp)
    ],
    control: [
      new ZmqClient('req', control, { timeoutMs: 10_000 }),
      new ZmqClient('dealer', control, { timeoutMs: 10_000 })
    ]
  };
  const ports = {
    data: server.port,
    control: controlPort(server.port),
    http: httpPort(server.port)
  };
  const ctx = {
    files,
    budget: budgetBytes,
    httpPort: ports.http,
    token: server.record.browser_token
  };
  const run = runners({
    names,
    rngOf: index => new Rng(mix(seed, 0x5eed, index)),
    files,
    tally,
    ctx,
    ports,
    alive: () => !server.exited()
  });
  const slots = VALID_SLOTS + MAX_PLANES_PER_IMAGE + DATA_CLIENTS * (AXIS_DISTINCT + 8) + 16;
  lines.push(`fuzz: budget ${mib(budgetBytes)}; plane slots the flood can fill ≤ ${slots}`);

  const reader = slowReader(ports.http, ctx.token);

  // While the clients run: status with the secret, memory and open files every 2 s.
  let running = true;
  const probe = { statusMs: [], statusFailures: [], fds: new Set(), peakRss: idle, peakWhile: [] };
  // RSS every 50 ms; at a new peak, what the data clients were sending.
  const sampler = setInterval(() => {
    const rss = memoryOf(server.pid)?.rss ?? 0;
    if (rss > probe.peakRss) [probe.peakRss, probe.peakWhile] = [rss, [...sending.values()]];
  }, 50);
  const monitor = (async () => {
    while (running) {
      const answer = await timedStatus(server, 10_000);
      if (answer.error)
        probe.statusFailures.push(`${answer.error} after ${answer.ms.toFixed(0)} ms`);
      else probe.statusMs.push(answer.ms);
      for (const target of foreignFds(server, files)) probe.fds.add(target);
      for (let t = 0; t < 20 && running; t++) await new Promise(r => setTimeout(r, 100));
    }
  })();

  const started = performance.now();
  await Promise.all([
    ...lists.data.map((indexes, k) => run.runData(clients.data[k], k, indexes)),
    ...lists.control.map((indexes, k) => run.runControl(clients.control[k], indexes)),
    ...lists.raw.map(indexes => run.runRaw(indexes)),
    ...lists.http.map(indexes => run.runHttp(indexes))
  ]);
  const elapsed = (performance.now() - started) / 1000;
  running = false;
  await monitor;
  clearInterval(sampler);
  for (const c of [...clients.data, ...clients.control]) c.close();
  reader.close();
  // Let the server see those closes while no handshake is pending: libzmq's events name no
  // connection, so a close next to a pending handshake is counted only once that settles.
  await new Promise(r => setTimeout(r, 1000));

  const malformed = names.filter(
    n => !BY_NAME.get(n).valid && BY_NAME.get(n).channel !== 'http'
  ).length;
  lines.push(
    `fuzz: ${names.length} messages in ${elapsed.toFixed(1)} s (${malformed} malformed to the data and control ports), seed ${seed}`
  );
  for (const [name, s] of [...tally.classes].sort()) {
    const c = BY_NAME.get(name);
    lines.push(
      `fuzz: class ${name.padEnd(34)} ${c.channel.padEnd(7)} sent ${String(s.sent).padStart(6)} as predicted ${String(s.ok).padStart(6)}${s.skipped ? ` skipped ${s.skipped}` : ''}`
    );
  }
  lines.push(
    `fuzz: raw connections ${tally.raw.sent}, closed by the server ${tally.raw.closedByServer} (others closed by us after 1 s)`
  );

  if (server.exited()) {
    const log = fs.existsSync(server.logFile) ? fs.readFileSync(server.logFile, 'utf8') : '';
    check('alive', [
      `the server exited during the flood: ${JSON.stringify(await server.exit)}`,
      ...server.stderr().split('\n').slice(-10),
      ...log.split('\n').slice(-15)
    ]);
    throw new ServerGone();
  }
  check('alive', [], 'the server ran through the flood');

  const final = await timedStatus(server, 1000);
  const during = `during it max ${Math.max(0, ...probe.statusMs).toFixed(0)} ms over ${probe.statusMs.length} probes`;
  const statusOk = check(
    'status-within-1s',
    final.error
      ? [`status: ${final.error}`]
      : final.ms > 1000
        ? [`took ${final.ms.toFixed(0)} ms`]
        : [],
    `${final.ms.toFixed(0)} ms after the flood; ${during}`
  );
  check('status-during-flood', probe.statusFailures, 'each probe bounded by 10 s');
  check(
    'replies',
    tally.mismatchCount
      ? [`${tally.mismatchCount} message(s) not answered as predicted:`, ...tally.mismatches]
      : [],
    'every message answered or refused as predicted'
  );
  if (statusOk) {
    const c = final.status.counters;
    check(
      'counters',
      counterProblems(c, tally, before),
      `messages ${c.messages}, images ${c.images} (= valid images sent), errors ${c.errors}, dropped ${c.dropped}, segments refused ${JSON.stringify(c.segments_refused_reasons)}, control unauthorized ${c.control_unauthorized}, browser refused ${JSON.stringify(c.browser_refused_reasons)}, peers refused ${JSON.stringify(c.peers_refused_reasons)}`
    );
    const planes = final.status.layers.reduce((n, l) => n + l.image_count, 0);
    lines.push(
      `fuzz: server memory ${JSON.stringify(final.status.memory)}, ${final.status.layers.length} layers, ${planes} planes; peak VmRSS sampled during the flood ${mib(probe.peakRss)} while sending ${probe.peakWhile.join(', ') || 'nothing'}`
    );
  }

  // Memory: peak RSS within 1.2 × budget + idle RSS + what the budget does not cover.
  const inFlight = DATA_CLIENTS * 17 * MiB; // a header just over MAX_HEADER_BYTES per data client
  const allowance = inFlight + 32 * MiB;
  const limit = 1.2 * budgetBytes + idle + allowance;
  const memoryProblems = () => {
    const { hwm } = memoryOf(server.pid);
    return hwm > limit ? [`VmHWM ${mib(hwm)} over ${mib(limit)}`] : [];
  };
  const mem = memoryOf(server.pid);
  check(
    'memory',
    memoryProblems(),
    `VmHWM ${mib(mem.hwm)}, VmRSS ${mib(mem.rss)}, idle ${mib(idle)}, budget ${mib(budgetBytes)}; limit 1.2 × budget + idle + allowance ${mib(allowance)} (${DATA_CLIENTS} messages of 17 MiB in flight, 32 MiB heap) = ${mib(limit)}`
  );
  const fds = foreignFds(server, files);
  check(
    'open-files',
    [...fds.map(f => `open now: ${f}`), ...[...probe.fds].map(f => `open during the flood: ${f}`)],
    'only the store, the log, sockets, pipes, our segments'
  );

  const exhaust = await exhaustBudget(server, budgetBytes, memoryProblems);
  check(
    'budget-exhaustion',
    exhaust.problems,
    `${exhaust.planes} one-pixel planes taken before the refusal: ${(exhaust.refusal ?? '').slice(0, 160)}; VmHWM ${mib(memoryOf(server.pid).hwm)}; taken again after a clear`
  );
  check(
    'still-serving',
    await stillServes(server, files, new Rng(mix(seed, 0xf1a1))),
    'a valid batch (frame + segment) stored and served by api/plane'
  );
  check(
    'files',
    files.problems(),
    `planted targets unchanged, planted names left in place, no segment of ours in /dev/shm${files.skipped.length ? `; skipped: ${files.skipped.join(', ')}` : ''}`
  );
  const log = fs.existsSync(server.logFile) ? fs.readFileSync(server.logFile, 'utf8') : '';
  const bad = log.split('\n').filter(l => /uncaught|handler failed|http: plane/.test(l));
  // Lines peers can cause are rate-limited (core/limited-log.ts): the log grows with time,
  // not with the number of bad messages.
  const logLimit = (1 + (performance.now() - started) / 60_000) * 256 * 1024;
  if (log.length > logLimit) bad.push(`${mib(log.length)} of log, over ${mib(logLimit)}`);
  check(
    'log',
    bad.slice(0, 5),
    `${mib(log.length)} of log (≤ 256 KiB a minute), no uncaught error, no failed handler, no 500; ${log.split('storing over budget').length - 1} message(s) stored before the spill caught up`
  );
  const ack = await controlRequest(
    server.port,
    { type: 'shutdown' },
    { secret: server.record.secret, timeoutMs: 5000 }
  ).catch(err => ({ type: err.message }));
  const exit = await Promise.race([
    server.exit,
    new Promise(r => setTimeout(() => r('no exit within 10 s'), 10_000))
  ]);
  // Stop keeps the layer store (issue 17: a restart restores it) and releases its lock.
  const lock = path.join(server.storeDir, 'lock');
  const version = path.join(server.storeDir, 'store.json');
  check(
    'shutdown',
    [
      ...(ack.type === 'shutdown_ack' ? [] : [`shutdown: ${ack.type}`]),
      ...(exit?.code === 0 ? [] : [`exit: ${JSON.stringify(exit)}`]),
      ...(fs.existsSync(lock) ? [`${lock} left behind (the store stays locked)`] : []),
      ...(fs.existsSync(version) ? [] : [`${version} missing (the store was not kept)`])
    ],
    'with the secret: acknowledged, exit code 0, layer store kept and unlocked'
  );
} catch (err) {
  if (!(err instanceof ServerGone)) lines.push(`fuzz: check run FAIL (${err.stack})`);
} finally {
  if (server) await stopServer(server);
  files.cleanup();
}
const failed = lines.some(l => / FAIL/.test(l));
lines.push(`fuzz: RESULT ${failed ? 'FAIL' : 'PASS'} (seed ${seed})`);
console.log(lines.join('\n'));
process.exit(failed ? 1 : 0);
