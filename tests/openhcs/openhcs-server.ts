/**
 * The compiled server and OpenHCS 0.8.6's own Python client side by side for the tests of
 * tests/openhcs/: HOME is a fresh directory for both (OpenHCS writes its caches and IPC
 * sockets under ~), the acks go to a port of this room's range. Python comes from the
 * project's venv, where scripts/setup.sh installs openhcs, polystore and zmqruntime.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SERVER_PROCESS_ENV } from '../../src/protocol/node/index.js';
import { MAIN, requireBuild, ROOT, waitReady } from '../viewer-server/server-process.js';

export const PYTHON = path.join(ROOT, '.venv/bin/python');
export const FIXTURES = path.join(ROOT, 'tests/openhcs/fixtures');

export interface OpenHcsServer {
  child: ChildProcess;
  port: number;
  /** HOME of the server and of the Python clients. */
  home: string;
  viewerHome: string;
  stop(): Promise<void>;
}

export async function startServer(port: number, ackPort: number): Promise<OpenHcsServer> {
  requireBuild();
  if (spawnSync(PYTHON, ['-c', 'import openhcs, polystore, zmqruntime']).status !== 0)
    throw new Error(
      `${PYTHON} cannot import openhcs 0.8.6: run 'bash scripts/setup.sh' (it installs scripts/requirements-openhcs.txt)`
    );
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-openhcs-'));
  const viewerHome = path.join(home, 'viewer');
  process.env.PIPELINE_VIEWER_HOME = viewerHome;
  const child = spawn(process.execPath, [MAIN, '--port', String(port)], {
    env: {
      ...process.env,
      ...SERVER_PROCESS_ENV,
      HOME: home,
      PIPELINE_VIEWER_HOME: viewerHome,
      PIPELINE_VIEWER_OPENHCS_ACK_PORT: String(ackPort)
    },
    stdio: ['ignore', 'ignore', 'pipe']
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => process.stderr.write(`[server ${port}] ${text}`));
  const exit = new Promise<void>(resolve => child.on('exit', () => resolve()));
  await waitReady(port);
  return {
    child,
    port,
    home,
    viewerHome,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const killed = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(killed);
      fs.rmSync(home, { recursive: true, force: true });
    }
  };
}

export interface PythonRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run a fixture with HOME set to the server's; bounded by `timeoutMs`. */
export function runFixture(
  script: string,
  args: (string | number)[],
  home: string,
  timeoutMs = 120_000
): PythonRun {
  const run = spawnSync(PYTHON, [path.join(FIXTURES, script), ...args.map(String)], {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, HOME: home, PYTHONDONTWRITEBYTECODE: '1' }
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The JSON line a fixture printed last; throws with its stderr when it failed. */
export function fixtureOutput<T>(run: PythonRun): T {
  if (run.status !== 0)
    throw new Error(`fixture failed (status ${run.status}):\n${run.stderr.slice(-4000)}`);
  const lines = run.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}
