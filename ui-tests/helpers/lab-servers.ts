/** Viewer servers started and listed through the CLI, as a notebook or a terminal would. */
import { execFile } from 'node:child_process';
import * as net from 'node:net';
import { REPO } from './viewer-server.js';

function cli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['bin/pipeline-viewer.js', 'server', ...args],
      { cwd: REPO, timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err)
          reject(new Error(`pipeline-viewer server ${args.join(' ')}: ${err.message}\n${stderr}`));
        else resolve(stdout);
      }
    );
  });
}

export interface StartedServer {
  pid: number;
  ports: { data: number; control: number; http: number };
}

/** `pipeline-viewer server start --port N` (not through the page). */
export async function startServerCli(port: number): Promise<StartedServer> {
  return JSON.parse(await cli(['start', '--port', String(port)]));
}

/** Data ports of this user's running servers (`pipeline-viewer server list`). */
export async function runningPorts(): Promise<number[]> {
  const { servers } = JSON.parse(await cli(['list'])) as {
    servers: { ports: { data: number } }[];
  };
  return servers.map(s => s.ports.data);
}

/** Holds a TCP port on 127.0.0.1 as "another program" would, until `close()`. */
export function holdPort(port: number): Promise<{ close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = net.createServer(socket => socket.destroy());
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () =>
      resolve({ close: () => new Promise(done => server.close(() => done())) })
    );
  });
}
