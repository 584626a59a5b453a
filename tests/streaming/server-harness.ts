/**
 * Shared set-up of the streaming integration tests, which run against the REAL viewer server
 * process (`lib/viewer-server/main.js`).
 *
 * Build: `npm test` runs `tsc -b` (scripts/setup.sh) before jest. When lib/ is missing or older
 * than the sources it runs from, `ensureLibBuilt()` builds it once (`flock` + `tsc -b`, ≤ 5 min),
 * so these tests also work on their own: `NODE_OPTIONS=--experimental-vm-modules npx jest tests/streaming`.
 *
 * Isolation: each test file gets its own viewer home (logs, spill store) in a temp dir via
 * PIPELINE_VIEWER_HOME, inherited by the spawned servers. Ports: 20110-20159 (H4's range).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SERVER_MAIN = path.join(ROOT, 'lib', 'viewer-server', 'main.js');
const SOURCES = ['src/viewer-server', 'src/protocol', 'src/runtime'];

/** Sources (not tests) under `dir` whose lib/ output is missing or older than the source. */
function staleSources(dir: string): string[] {
  const stale: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) stale.push(...staleSources(full));
    else if (
      entry.name.endsWith('.ts') &&
      !entry.name.endsWith('.test.ts') &&
      !entry.name.endsWith('.d.ts')
    ) {
      const built = path
        .join(ROOT, 'lib', path.relative(path.join(ROOT, 'src'), full))
        .replace(/\.ts$/, '.js');
      if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < fs.statSync(full).mtimeMs)
        stale.push(full);
    }
  }
  return stale;
}

/** Builds lib/ with `tsc -b` when an output the tests run is missing or older than its source. */
export function ensureLibBuilt(): void {
  if (SOURCES.every(d => staleSources(path.join(ROOT, d)).length === 0)) return;
  try {
    // flock: parallel test files must not run two builds into the same lib/ at once.
    execFileSync(
      'flock',
      [
        path.join(os.tmpdir(), 'jupyterlab-pipeline-viewer-tsc.lock'),
        path.join(ROOT, 'node_modules', '.bin', 'tsc'),
        '-b'
      ],
      { cwd: ROOT, timeout: 300_000, stdio: 'pipe' }
    );
  } catch (err) {
    // tsc -b still emits when some other file has a type error; only a missing entry is fatal.
    if (!fs.existsSync(SERVER_MAIN)) {
      throw new Error(`could not build ${SERVER_MAIN} with tsc -b: ${(err as Error).message}`);
    }
  }
}

/** A private viewer home for this test file's servers. */
export function useTempViewerHome(label: string): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `plv-${label}-`));
  process.env.PIPELINE_VIEWER_HOME = home;
  return home;
}

/**
 * Pids of viewer server processes of `port` started by this test file: their `--log` lies in
 * this file's viewer home, so a concurrent test run elsewhere (another clone, same ports) is
 * never killed by our cleanup. Read from /proc, so detached servers are seen too.
 */
export function serverPids(port: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const args = cmdline.split('\0');
    const at = args.indexOf('--port');
    const home = process.env.PIPELINE_VIEWER_HOME;
    if (home && !args.some(a => a.startsWith(home + path.sep))) continue;
    if (
      args.some(a => a.endsWith(path.join('viewer-server', 'main.js'))) &&
      at >= 0 &&
      args[at + 1] === String(port)
    ) {
      pids.push(Number(entry));
    }
  }
  return pids;
}

/** SIGKILLs the server processes of `port` that this test file started (cleanup, bounded). */
export async function killServers(port: number): Promise<void> {
  for (const pid of serverPids(port)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 5000;
  while (serverPids(port).length > 0 && Date.now() < deadline)
    await new Promise(r => setTimeout(r, 50));
}

/** Removes this file's viewer home (logs, spill store) once its servers are gone. */
export function removeTempViewerHome(): void {
  const home = process.env.PIPELINE_VIEWER_HOME;
  if (home && path.basename(home).startsWith('plv-'))
    fs.rmSync(home, { recursive: true, force: true });
}
