#!/usr/bin/env node
// `npm run bench`: every benchmark suite of the project, one after another, in one command,
// and one report of that run (issue 14). Each suite measures its figures against a baseline
// from the same run (alternating rounds, medians, min–max, load average); the full run writes
// the generated part at the top of docs/benchmarks.md: the summary of every headline figure
// against its target (scripts/bench-summary.mjs) and each suite's own tables. The rest of that
// page, written by hand, explains them and is left as it is.
//   npm run bench                      all suites, full sizes (about 1–2 hours: docs/benchmarks.md)
//   npm run bench -- --short           every suite at tiny sizes: checks that each still runs
//                                      and prints its figures, never the figures (CI); writes
//                                      no docs
//   npm run bench -- --only io,plate   some suites; writes no docs (the others would show as
//                                      not measured)
//   --docs FILE                        write the generated part into FILE (e.g. a copy of
//                                      docs/benchmarks.md) whatever the mode
//   --report FILE                      also write the generated part alone into FILE
//   --bound MIN                        no suite runs longer than MIN minutes (to check the stop)
// A suite that fails does not stop the run; one that outlives its bound (minutes) is stopped
// with everything it started, and the summary says so. Needs lib/ (npx tsc -b, done by the
// npm script) and the project's venv (.venv).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { watchSuite, stopAll } from './bench-procs.mjs';
import { loadLine } from './bench-stats.mjs';
import {
  generatedSection,
  openFigures,
  panelFigures,
  restoreFigures,
  spliceGenerated
} from './bench-summary.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const python = path.join(repo, '.venv/bin/python');
const args = process.argv.slice(2);
const short = args.includes('--short');
const argAfter = name => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : undefined);
const only = argAfter('--only') !== undefined ? new Set(argAfter('--only').split(',')) : null;
const docsFile =
  argAfter('--docs') ?? (short || only ? null : path.join(repo, 'docs/benchmarks.md'));
const reportFile = argAfter('--report') ?? null;
const bound = Number(argAfter('--bound') ?? Infinity);
if (!(bound > 0)) {
  console.error(`bench: --bound must be a number of minutes > 0, got ${argAfter('--bound')}`);
  process.exit(2);
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-bench-'));
const md = name => path.join(tmp, `${name}.md`);
const json = name => path.join(tmp, `${name}.json`);
const readJson = file => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : null);
const S = short ? ['--short'] : [];
/** The usual options of a suite: its markdown report and its headline figures. */
const files = name => ['--report', md(name), '--json', json(name)];

/**
 * name → { cmd, args, minutes (full-mode bound; short modes get 10), what, markdown: where its
 * tables come from ('report': its --report file, 'stdout', else the end of its output as
 * text), figures: () → its headline figures (default: its --json file), env }.
 */
const SUITES = {
  ingest: {
    cmd: 'node',
    args: ['scripts/bench-ingest.mjs', ...S, ...files('ingest')],
    minutes: 30,
    what: 'P1: ingest per transport against the OpenHCS-style baseline'
  },
  overhead: {
    cmd: 'node',
    args: ['scripts/bench-overhead.mjs', ...S, ...files('overhead')],
    minutes: 30,
    what: 'P2: pipeline overhead of streaming, server down, server frozen'
  },
  restore: {
    cmd: 'node',
    args: ['scripts/bench-restore.mjs', ...S, '--report', md('restore')],
    minutes: 30,
    what: 'a restarted server serving its restored layers (12 GiB store) against listing the store',
    figures: () => restoreFigures(fs.readFileSync(md('restore'), 'utf8'))
  },
  open: {
    cmd: 'node',
    args: ['scripts/bench-open.mjs', ...S, '--report', md('open')],
    minutes: 90, // the first run writes the 12 GiB plate (~40 min at load 15), later runs reuse it
    what: 'a 384-well OME-Zarr plate opened from disk: first well and plate grid painted, against zarr-python',
    figures: () => openFigures(fs.readFileSync(md('open'), 'utf8'))
  },
  openhcs: {
    cmd: python,
    args: ['scripts/bench-openhcs.py', short ? '1' : '5', short ? '64' : '1024'],
    minutes: 20,
    what: "OpenHCS 0.8.6's own client into the server against a Python receiver"
  },
  viewer: {
    cmd: 'node',
    args: [
      'scripts/bench-viewer.mjs',
      ...(short ? ['1', '8', '2', '256'] : []),
      '--report',
      md('viewer')
    ],
    minutes: 30,
    what: 'the viewer widget on a standalone page in Chromium: first well, scrubbing, grid, memory',
    env: { OUT: path.join(tmp, 'viewer') }
  },
  panel: {
    cmd: 'node',
    args: ['scripts/bench-panel.mjs', ...S, '--report', md('panel')],
    minutes: 30,
    what: 'P3, P4: save → paint and scrubbing in the docked panel in JupyterLab',
    env: { OUT: path.join(tmp, 'panel') },
    figures: () => panelFigures(readJson(path.join(tmp, 'panel/bench-panel.json')).summary)
  },
  runall: {
    // JupyterLab on ui-tests/.lab-root, as the Galata tests: under their lock
    cmd: 'flock',
    args: [
      '-w',
      '1500',
      '/tmp/plv-galata.lock',
      'node',
      'scripts/bench-run-all.mjs',
      short ? '1' : '3',
      ...files('runall')
    ],
    minutes: 40,
    what: 'issue 10: the demo notebook in JupyterLab, Run All Cells again: first image of the new run on screen'
  },
  scale: {
    cmd: 'node',
    args: ['scripts/bench-scale.mjs', ...S, ...files('scale')],
    minutes: 60,
    what: 'P5: a 384-well × 4-channel × 2048² plate generated on the fly: server RSS, browser heap, accounting'
  },
  plate: {
    cmd: 'node',
    args: ['scripts/bench-plate.mjs', ...S],
    minutes: 30,
    what: 'plate reading against Python',
    markdown: 'stdout'
  },
  io: {
    cmd: 'node',
    args: ['scripts/bench-io.mjs', ...S, '--json', json('io')],
    minutes: 60,
    what: 'TIFF and zarr I/O against tifffile and zarr-python',
    markdown: 'stdout'
  },
  functions: {
    cmd: 'node',
    args: ['scripts/bench-functions.mjs', ...S, '--json', json('functions')],
    minutes: 60,
    what: 'analysis functions against scikit-image',
    markdown: 'stdout'
  },
  cluster: {
    cmd: 'node',
    args: ['scripts/bench-cluster.mjs', ...S],
    minutes: 60,
    what: 'queue executor: 1, 2, 4, 8 workers against in-process; per-well overhead',
    markdown: 'stdout'
  }
};

const unknown = only ? [...only].filter(n => !(n in SUITES)) : [];
if (unknown.length > 0) {
  console.error(
    `bench: unknown suite ${unknown.join(', ')} in --only; suites: ${Object.keys(SUITES).join(', ')}`
  );
  process.exit(2);
}
if (docsFile && !fs.existsSync(docsFile)) {
  console.error(
    `bench: --docs ${docsFile} does not exist; give an existing copy of docs/benchmarks.md`
  );
  process.exit(2);
}

/** Runs one suite (output shown live and kept) within its bound; how it ended. */
function runSuite(suite) {
  const minutes = Math.min(short ? 10 : suite.minutes, bound);
  return new Promise(resolve => {
    const child = spawn(suite.cmd, suite.args, {
      cwd: repo,
      detached: true, // its own process group: stopped as a whole
      env: { ...process.env, ...suite.env },
      stdio: ['ignore', 'pipe', 'inherit']
    });
    const watch = watchSuite(child.pid);
    let out = '';
    let timedOut = false;
    child.stdout.on('data', chunk => {
      process.stdout.write(chunk);
      out += chunk;
    });
    let stopping = null;
    const timer = setTimeout(() => {
      timedOut = true;
      stopping = stopAll(watch);
    }, minutes * 60_000);
    const closed = new Promise(r => child.once('close', r));
    child.once('error', err => {
      clearTimeout(timer);
      watch.stop();
      resolve({ out, why: `could not start: ${err.message}`, ok: false });
    });
    // on exit, not close: a process it left behind may hold its stdout open
    child.once('exit', async (code, signal) => {
      clearTimeout(timer);
      const stopped = timedOut ? await stopping : [];
      const left = await stopAll(watch, { settleMs: 5000 }); // what it left behind, stopped
      await Promise.race([closed, new Promise(r => setTimeout(r, 10_000))]); // its last output
      const list = ps => `${ps.length} processes: ${ps.slice(0, 4).join(', ')}`;
      let why = signal ? `killed by ${signal}` : `exit ${code}`;
      const ok = !timedOut && why === 'exit 0';
      if (timedOut) why = `stopped after its bound of ${minutes} min with ${list(stopped)}`;
      else if (left.length) why += `; left ${list(left)}, stopped`;
      resolve({ out, why, ok });
    });
  });
}

const load1 = () => os.loadavg()[0].toFixed(2);
const loads = () =>
  os
    .loadavg()
    .map(l => l.toFixed(2))
    .join(' ');
const started = new Date();
const startLoad = loads();
const results = [];

/** The generated part, rewritten after each suite (a stopped run keeps what it measured). */
function write(done) {
  const section = generatedSection({
    command: `npm run bench${args.length ? ' -- ' + args.join(' ') : ''}`,
    started: started.toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    ended: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    machine: loadLine().replace(/; load average.*/, '.'),
    loadStart: startLoad,
    loadEnd: loads(),
    done,
    suites: results
  });
  if (docsFile)
    fs.writeFileSync(docsFile, spliceGenerated(fs.readFileSync(docsFile, 'utf8'), section));
  if (reportFile) fs.writeFileSync(reportFile, `# Benchmark report\n\n${section}\n`);
}

for (const [name, suite] of Object.entries(SUITES)) {
  if (only && !only.has(name)) continue;
  const shown = [suite.cmd === python ? 'python' : suite.cmd, ...suite.args].join(' ');
  console.log(`\n[bench] ${name}: ${shown}`);
  const t0 = Date.now();
  const loadStart = load1();
  const run = await runSuite(suite);
  let markdown = null;
  let figures = null;
  let why = run.why;
  try {
    if (suite.markdown === 'stdout') markdown = run.out;
    else if (fs.existsSync(md(name))) markdown = fs.readFileSync(md(name), 'utf8');
    figures = suite.figures ? suite.figures() : readJson(json(name));
  } catch (err) {
    if (run.ok) why = `its figures unreadable: ${err.message}`; // a failed run says why already
  }
  results.push({
    name,
    what: suite.what,
    ok: run.ok && !why.startsWith('its figures unreadable'),
    why,
    seconds: (Date.now() - t0) / 1000,
    loadStart,
    loadEnd: load1(),
    figures,
    markdown,
    out: run.out
  });
  write(false);
}

console.log(`\n[bench] ${loadLine()}`);
for (const r of results)
  console.log(
    `[bench] ${r.ok ? 'ok    ' : 'FAILED'} ${r.name.padEnd(10)} ${r.seconds.toFixed(0)} s${r.ok ? '' : ` (${r.why})`}`
  );
console.log(`[bench] ${((Date.now() - started) / 60_000).toFixed(1)} min in all`);
write(true);
for (const f of [docsFile, reportFile].filter(Boolean))
  console.log(`[bench] written: ${path.relative(repo, f) || f}`);
fs.rmSync(tmp, { recursive: true, force: true });
process.exit(results.every(r => r.ok) ? 0 : 1);
