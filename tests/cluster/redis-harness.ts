/**
 * Real Redis and real worker processes for the cluster tests: a redis-server of our own on a
 * Unix socket in a temp dir (no TCP port, no persistence), and `pipeline-viewer worker`
 * processes from lib/ (built by ensureLibBuilt). Every wait is bounded; stop() ends what
 * start() began, by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { ROOT } from '../streaming/server-harness.js';

export const BIN = path.join(ROOT, 'bin', 'pipeline-viewer.js');

export interface RedisInstance {
  url: string;
  dir: string;
  stop(): Promise<void>;
}

async function until(what: string, ms: number, check: () => boolean | Promise<boolean>) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise(r => setTimeout(r, 50));
  }
}

async function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise(resolve => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startRedis(): Promise<RedisInstance> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'plv-redis-'));
  const socket = path.join(dir, 'redis.sock');
  const child = spawn(
    'redis-server',
    [
      '--port',
      '0',
      '--unixsocket',
      socket,
      '--unixsocketperm',
      '700',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--loglevel',
      'warning'
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] }
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `unix://${socket}`;
  await until('redis-server ready', 30_000, async () => {
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${stderr}`);
    if (!existsSync(socket)) return false;
    const client = new Redis({ path: socket, lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  });
  return {
    url,
    dir,
    async stop() {
      child.kill('SIGTERM');
      if (!(await exited(child, 5_000))) {
        child.kill('SIGKILL');
        await exited(child, 5_000);
      }
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  stop(): Promise<void>;
}

/** Starts `pipeline-viewer worker` and waits (bounded) for its ready line. */
export async function startWorker(
  redisUrl: string,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {}
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [BIN, 'worker', '--redis', redisUrl, ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env }
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await until('worker ready', 60_000, () => {
    if (child.exitCode !== null) throw new Error(`worker exited ${child.exitCode}: ${stderr}`);
    return stderr.includes(' on unix://') || stderr.includes(' on redis');
  });
  return {
    child,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      if (!(await exited(child, 10_000))) {
        child.kill('SIGKILL');
        await exited(child, 5_000);
      }
    }
  };
}
