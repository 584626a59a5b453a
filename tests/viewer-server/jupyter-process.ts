/**
 * A real Jupyter server from the project's .venv for tests of the browser path: token login,
 * an optional base URL and root folder, the project's server extension. Bounded start (180 s:
 * at load 24, 90 s ran out) and stop (SIGTERM, then SIGKILL after 10 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { ROOT } from './server-process.js';

const JUPYTER = path.join(ROOT, '.venv/bin/jupyter');
const START_MS = 180_000;

export interface JupyterProcess {
  /** e.g. http://localhost:41234 (no base URL). */
  origin: string;
  /** Everything Jupyter printed so far. */
  log(): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function startJupyter(options: {
  token: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  host?: string;
  baseUrl?: string;
  rootDir?: string;
}): Promise<JupyterProcess> {
  if (!fs.existsSync(JUPYTER)) throw new Error(`${JUPYTER} is missing: run scripts/setup.sh`);
  const base = options.baseUrl ?? '/';
  const port = await freePort();
  const origin = `http://${options.host ?? '127.0.0.1'}:${port}`;
  const jupyter: ChildProcess = spawn(
    JUPYTER,
    [
      'server',
      `--port=${port}`,
      '--ServerApp.ip=127.0.0.1',
      `--ServerApp.token=${options.token}`,
      ...(options.baseUrl ? [`--ServerApp.base_url=${options.baseUrl}`] : []),
      ...(options.rootDir ? [`--ServerApp.root_dir=${options.rootDir}`] : []),
      '--ServerApp.open_browser=False',
      '--allow-root'
    ],
    {
      cwd: options.cwd,
      env: { ...options.env, PATH: `${path.join(ROOT, '.venv/bin')}:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe']
    }
  );
  let log = '';
  jupyter.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  jupyter.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const stop = async () => {
    if (jupyter.exitCode !== null || jupyter.signalCode !== null) return;
    const exited = new Promise(r => jupyter.once('exit', r));
    jupyter.kill('SIGTERM');
    const killer = setTimeout(() => jupyter.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  };
  const deadline = Date.now() + START_MS;
  while (Date.now() < deadline) {
    const ok = await fetch(`${origin}${base}api/status?token=${options.token}`).then(
      r => r.ok,
      () => false
    );
    if (ok) return { origin, log: () => log, stop };
    if (jupyter.exitCode !== null) break;
    await new Promise(r => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`Jupyter did not answer within ${START_MS / 1000} s:\n${log.slice(-3000)}`);
}
