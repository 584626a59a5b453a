#!/usr/bin/env node
// `npm run bench`: every benchmark suite of the project, one after another, in one command.
// Each suite measures its figures against a baseline from the same run (alternating rounds,
// medians, min–max, load average) and prints its own table; docs/benchmarks.md records them.
//   npm run bench                      all suites, full sizes (tens of minutes)
//   npm run bench -- --short           every suite at tiny sizes: checks that each still runs
//                                      and prints its figures, never the figures (CI)
//   npm run bench -- --only io,plate   some suites
// Needs lib/ (npx tsc -b, done by the npm script) and the project's venv (.venv).
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const python = path.join(repo, '.venv/bin/python');
const args = process.argv.slice(2);
const short = args.includes('--short');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set((args[onlyAt + 1] ?? '').split(',')) : null;

/** name → [command, args, full-mode bound in minutes]; short modes are bounded to 10 min. */
const SUITES = {
  io: ['node', ['scripts/bench-io.mjs', ...(short ? ['--short'] : [])], 60],
  plate: ['node', ['scripts/bench-plate.mjs', ...(short ? ['--short'] : [])], 30],
  functions: ['node', ['scripts/bench-functions.mjs', ...(short ? ['--short'] : [])], 60],
  overhead: ['node', ['scripts/bench-overhead.mjs', ...(short ? ['--short'] : [])], 30],
  viewer: ['node', ['scripts/bench-viewer.mjs', ...(short ? ['1', '8', '2', '256'] : [])], 30],
  openhcs: [python, ['scripts/bench-openhcs.py', short ? '1' : '5', short ? '64' : '1024'], 20]
};

const unknown = only ? [...only].filter(n => !(n in SUITES)) : [];
if (unknown.length > 0) {
  console.error(`unknown suite ${unknown.join(', ')}; suites: ${Object.keys(SUITES).join(', ')}`);
  process.exit(2);
}

const results = [];
for (const [name, [cmd, cmdArgs, minutes]] of Object.entries(SUITES)) {
  if (only && !only.has(name)) continue;
  console.log(`\n[bench] ${name}: ${cmd === python ? 'python' : cmd} ${cmdArgs.join(' ')}`);
  const started = Date.now();
  const run = spawnSync(cmd, cmdArgs, {
    cwd: repo,
    stdio: 'inherit',
    timeout: (short ? 10 : minutes) * 60_000,
    killSignal: 'SIGTERM'
  });
  const seconds = (Date.now() - started) / 1000;
  const ok = run.status === 0;
  const why = run.error
    ? run.error.message
    : run.signal
      ? `killed by ${run.signal}`
      : `exit ${run.status}`;
  results.push({ name, ok, seconds, why });
}

console.log(
  `\n[bench] load average ${loadavg()
    .map(l => l.toFixed(2))
    .join(' ')}`
);
for (const r of results)
  console.log(
    `[bench] ${r.ok ? 'ok    ' : 'FAILED'} ${r.name.padEnd(10)} ${r.seconds.toFixed(0)} s${r.ok ? '' : ` (${r.why})`}`
  );
process.exit(results.every(r => r.ok) ? 0 : 1);
