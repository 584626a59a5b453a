/** Whether TCP ports on 127.0.0.1 can be bound again (a stopped server released them). */
import * as net from 'node:net';
import { DEFAULT_HOST } from '../../protocol/index.js';

function portFree(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: DEFAULT_HOST, exclusive: true }, () =>
      probe.close(() => resolve(true))
    );
  });
}

/** Poll until every port is free; false when `timeoutMs` passed first. */
export async function waitPortsFree(ports: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const free = await Promise.all(ports.map(portFree));
    if (free.every(Boolean)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}
