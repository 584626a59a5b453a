/**
 * What holds a local TCP port: free or bound (a bind probe on 127.0.0.1), and by which uid
 * (Linux's /proc/net/tcp lists each listening socket with its owner). A client uses the owner
 * to tell its own viewer server from another user's on the same port before it sends a secret.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { DEFAULT_HOST } from '../ports.js';

/** Whether `port` on 127.0.0.1 can be bound right now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: DEFAULT_HOST, exclusive: true }, () =>
      probe.close(() => resolve(true))
    );
  });
}

export async function portsFree(ports: readonly number[]): Promise<boolean> {
  return (await Promise.all(ports.map(portFree))).every(Boolean);
}

/** Poll until every port is free; false when `timeoutMs` passed first. */
export async function waitPortsFree(ports: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await portsFree(ports)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}

const LISTEN = '0A';

/** Uids of the listening sockets of `port` in one /proc/net/tcp{,6} text. */
export function listenerUidsIn(table: string, port: number): number[] {
  const uids: number[] = [];
  for (const line of table.split('\n').slice(1)) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
    const cols = line.trim().split(/\s+/);
    if (cols.length < 8 || cols[3] !== LISTEN) continue;
    const local = cols[1];
    const localPort = parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
    if (localPort === port) uids.push(Number(cols[7]));
  }
  return uids;
}

/**
 * Uids owning a TCP listener on `port` (any address), or null where /proc/net/tcp cannot be
 * read (not Linux): then the caller falls back to the record's pid alone.
 */
export function listenerUids(port: number): number[] | null {
  let found = false;
  const uids: number[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      uids.push(...listenerUidsIn(fs.readFileSync(file, 'utf8'), port));
      found = true;
    } catch {
      // tcp6 is missing without IPv6; both are missing off Linux
    }
  }
  return found ? uids : null;
}
