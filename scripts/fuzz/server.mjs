// The real viewer server under test: lib/viewer-server/main.js in a private viewer home,
// and what /proc says about it (memory, open files).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { liveServerRecord, ping, SERVER_PROCESS_ENV } from '../../lib/protocol/node/index.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(ROOT, 'lib/viewer-server/main.js');

/** Starts the server and waits (at most `readyMs`) until it answers ping and wrote its record. */
export async function startServer({ port, budget, readyMs = 30_000 }) {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first with 'npx tsc -b'`);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-fuzz-home-'));
  // As ensureServer starts it (SERVER_PROCESS_ENV: glibc's malloc settings for the server).
  const env = { ...process.env, ...SERVER_PROCESS_ENV, PIPELINE_VIEWER_HOME: home };
  const child = spawn(
    process.execPath,
    [MAIN, '--port', String(port), '--memory-budget', String(budget)],
    { env, stdio: ['ignore', 'ignore', 'pipe'] }
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', text => (stderr = (stderr + text).slice(-4000)));
  const exit = new Promise(resolve =>
    child.on('exit', (code, signal) => resolve({ code, signal }))
  );
  const deadline = Date.now() + readyMs;
  let record = null;
  while (record === null) {
    if (child.exitCode !== null)
      throw new Error(
        `server exited at start with code ${child.exitCode} (is port ${port} taken? see --port): ${stderr}`
      );
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server on port ${port} not ready within ${readyMs} ms: ${stderr}`);
    }
    const pong = await ping(port, { timeoutMs: 500, env });
    if (pong && pong.pid === child.pid) record = liveServerRecord(port, env);
    if (record === null) await new Promise(r => setTimeout(r, 100));
  }
  return {
    child,
    pid: child.pid,
    port,
    home,
    env,
    record,
    storeDir: path.join(home, 'store', String(port)),
    logFile: path.join(home, `viewer-server-${port}.log`),
    exit,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    stderr: () => stderr
  };
}

/** Stops the server (SIGTERM, SIGKILL after 5 s) and removes its home. */
export async function stopServer(server) {
  if (server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGTERM');
    const killed = setTimeout(() => server.child.kill('SIGKILL'), 5000);
    await server.exit;
    clearTimeout(killed);
  }
  fs.rmSync(server.home, { recursive: true, force: true });
}

/** VmRSS and VmHWM of `pid` in bytes (null once it is gone). */
export function memoryOf(pid) {
  let text;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = name => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
}

/** Where each open descriptor of `pid` points (readlink of /proc/<pid>/fd/*). */
export function openFiles(pid) {
  const dir = `/proc/${pid}/fd`;
  const out = [];
  let fds = [];
  try {
    fds = fs.readdirSync(dir);
  } catch {
    return out; // the process is gone (the run reports that)
  }
  for (const fd of fds) {
    try {
      out.push(fs.readlinkSync(path.join(dir, fd)));
    } catch {
      // closed between readdir and readlink
    }
  }
  return out;
}
