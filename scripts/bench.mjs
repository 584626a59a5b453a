#!/usr/bin/env node
// `npm run bench`: every benchmark suite of the project, one after another, in one command,
// and one report of that run. Each suite measures its figures against a baseline from the
// same run (alternating rounds, medians, min–max, load average) and prints its own table;
// the full run writes them all into docs/benchmarks-report.md (generated: machine, load,
// each suite's output), which docs/benchmarks.md links to and explains.
//   npm run bench                      all suites, full sizes (tens of minutes)
//   npm run bench -- --short           every suite at tiny sizes: checks that each still runs
//                                      and prints its figures, never the figures (CI); writes
//                                      no report unless --report names one
//   npm run bench -- --only io,plate   some suites (the report then holds only those)
//   npm run bench -- --report FILE     the report goes to FILE instead
// Needs lib/ (npx tsc -b, done by the npm script) and the project's venv (.venv).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import { loadLine } from './bench-stats.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const python = path.join(repo, '.venv/bin/python');
const args = process.argv.slice(2);
const short = args.includes('--short');
const argAfter = name => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : undefined);
const only = argAfter('--only') !== undefined ? new Set(argAfter('--only').split(',')) : null;
const reportFile =
  argAfter('--report') ?? (short ? null : path.join(repo, 'docs/benchmarks-report.md'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-bench-'));

/**
 * name → [command, args, full-mode bound in minutes, what it measures]; short modes are
 * bounded to 10 min. A suite given `--report FILE` writes its markdown there (else its
 * output goes into the report as text).
 */
const SUITES = {
  ingest: [
    'node',
    [
      'scripts/bench-ingest.mjs',
      ...(short ? ['--short'] : []),
      '--report',
      path.join(tmp, 'ingest.md')
    ],
    30,
    'P1: ingest per transport against the OpenHCS-style baseline'
  ],
  overhead: [
    'node',
    ['scripts/bench-overhead.mjs', ...(short ? ['--short'] : [])],
    30,
    'P2: pipeline overhead of streaming, server down, server frozen'
  ],
  restore: [
    'node',
    [
      'scripts/bench-restore.mjs',
      ...(short ? ['--short'] : []),
      '--report',
      path.join(tmp, 'restore.md')
    ],
    30,
    'a restarted server serving its restored layers (12 GiB store) against listing the store'
  ],
  open: [
    'node',
    [
      'scripts/bench-open.mjs',
      ...(short ? ['--short'] : []),
      '--report',
      path.join(tmp, 'open.md')
    ],
    90, // the first run writes the 12 GiB plate (~40 min at load 15), later runs reuse it
    'a 384-well OME-Zarr plate opened from disk: first well and plate grid painted, against zarr-python'
  ],
  openhcs: [
    python,
    ['scripts/bench-openhcs.py', short ? '1' : '5', short ? '64' : '1024'],
    20,
    "OpenHCS 0.8.6's own client into the server against a Python receiver"
  ],

  viewer: [
    'node',
    ['scripts/bench-viewer.mjs', ...(short ? ['1', '8', '2', '256'] : [])],
    30,
    'the viewer widget on a standalone page in Chromium: first well, scrubbing, grid, memory'
  ],
  panel: [
    'node',
    [
      'scripts/bench-panel.mjs',
      ...(short ? ['--short'] : []),
      '--report',
      path.join(tmp, 'panel.md')
    ],
    30,
    'P3, P4: save → paint and scrubbing in the docked panel in JupyterLab'
  ],
  scale: [
    'node',
    [
      'scripts/bench-scale.mjs',
      ...(short ? ['--short'] : []),
      '--report',
      path.join(tmp, 'scale.md')
    ],
    60,
    'P5: a 384-well × 4-channel × 2048² plate generated on the fly: server RSS, browser heap, accounting'
  ],
  plate: [
    'node',
    ['scripts/bench-plate.mjs', ...(short ? ['--short'] : [])],
    30,
    'plate reading against Python'
  ],
  io: [
    'node',
    ['scripts/bench-io.mjs', ...(short ? ['--short'] : [])],
    60,
    'TIFF and zarr I/O against tifffile and zarr-python'
  ],
  functions: [
    'node',
    ['scripts/bench-functions.mjs', ...(short ? ['--short'] : [])],
    60,
    'analysis functions against scikit-image'
  ],
  cluster: [
    'node',
    ['scripts/bench-cluster.mjs', ...(short ? ['--short'] : [])],
    60,
    'queue executor: 1, 2, 4, 8 workers against in-process; per-well overhead'
  ]
};

const unknown = only ? [...only].filter(n => !(n in SUITES)) : [];
if (unknown.length > 0) {
  console.error(`unknown suite ${unknown.join(', ')}; suites: ${Object.keys(SUITES).join(', ')}`);
  process.exit(2);
}

/** Runs one suite with its output shown live and kept; resolves with how it ended. */
function runSuite(cmd, cmdArgs, minutes) {
  return new Promise(resolve => {
    const child = spawn(cmd, cmdArgs, { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', chunk => {
      process.stdout.write(chunk);
      out += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), (short ? 10 : minutes) * 60_000);
    child.on('error', err => resolve({ out, why: err.message }));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ out, code, why: signal ? `killed by ${signal}` : `exit ${code}` });
    });
  });
}

/** The report of the suites run so far (rewritten after each, so a stopped run keeps them). */
function writeReport(done) {
  if (!reportFile) return;
  const parts = [
    '# Benchmark report (generated)',
    '',
    `Written by \`npm run bench${args.length ? ' -- ' + args.join(' ') : ''}\` on ${started.toISOString()}; do not edit: run it again. What the figures mean, the targets and what limits them: [benchmarks.md](benchmarks.md).`,
    '',
    `- At the start: ${startLoad}`,
    `- ${done ? 'At the end' : 'Still running; so far'}: ${loadLine()}`,
    '',
    '| suite | measures | result | time |',
    '| --- | --- | --- | --- |',
    ...results.map(
      r =>
        `| ${r.name} | ${r.what} | ${r.ok ? 'ok' : `FAILED (${r.why})`} | ${r.seconds.toFixed(0)} s |`
    )
  ];
  for (const r of results) {
    parts.push('', `## ${r.name}: ${r.what}`, '');
    parts.push(r.markdown ? r.markdown.trim() : ['```text', r.out.trim(), '```'].join('\n'));
  }
  fs.writeFileSync(reportFile, parts.join('\n') + '\n');
}

const startLoad = loadLine();
const started = new Date();
const results = [];
for (const [name, [cmd, cmdArgs, minutes, what]] of Object.entries(SUITES)) {
  if (only && !only.has(name)) continue;
  console.log(`\n[bench] ${name}: ${cmd === python ? 'python' : cmd} ${cmdArgs.join(' ')}`);
  const t0 = Date.now();
  const run = await runSuite(cmd, cmdArgs, minutes);
  const at = cmdArgs.indexOf('--report');
  const markdown =
    at >= 0 && fs.existsSync(cmdArgs[at + 1]) ? fs.readFileSync(cmdArgs[at + 1], 'utf8') : null;
  results.push({
    name,
    what,
    ok: run.code === 0,
    seconds: (Date.now() - t0) / 1000,
    why: run.why,
    out: run.out,
    markdown
  });
  writeReport(false);
}

console.log(`\n[bench] ${loadLine()}`);
for (const r of results)
  console.log(
    `[bench] ${r.ok ? 'ok    ' : 'FAILED'} ${r.name.padEnd(10)} ${r.seconds.toFixed(0)} s${r.ok ? '' : ` (${r.why})`}`
  );

writeReport(true);
if (reportFile) console.log(`[bench] report: ${path.relative(repo, reportFile)}`);
fs.rmSync(tmp, { recursive: true, force: true });
process.exit(results.every(r => r.ok) ? 0 : 1);
