/**
 * OpenHCS's napari_ segments are its own (it unlinks them after each reply): nothing of
 * them is left in /dev/shm when the producer is killed mid-run (Python's resource tracker
 * unlinks what the dead process had registered) or when the server is killed while the
 * producer waits for a reply (OpenHCS unlinks on its reply timeout, 30 s). Real OpenHCS
 * 0.8.6 client, compiled server; ports 21587 (+1000, +3000), acks on 21599.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SHM_DIR } from '../../src/protocol/node/index.js';
import { FIXTURES, PYTHON, startServer, type OpenHcsServer } from './openhcs-server.js';

const PORT = 21587;
const ACK_PORT = 21599;

function napariSegments(): Set<string> {
  return new Set(fs.readdirSync(SHM_DIR).filter(n => n.startsWith('napari_')));
}

async function until(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}

/** The OpenHCS client streaming 8 MiB images; resolves with its exit once it ended. */
function startProducer(home: string) {
  const child = spawn(
    PYTHON,
    [path.join(FIXTURES, 'openhcs_stream.py'), String(PORT), 'tcp', String(ACK_PORT)],
    {
      env: { ...process.env, HOME: home, OPENHCS_IMAGE_SIZE: '2048' },
      stdio: ['ignore', 'ignore', 'pipe']
    }
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
  return { child, exit, stderr: () => stderr };
}

let server: OpenHcsServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

it('a killed OpenHCS producer leaves none of its segments in /dev/shm', async () => {
  server = await startServer(PORT, ACK_PORT);
  const before = napariSegments();
  const producer = startProducer(server.home);
  const fresh = (): string[] => [...napariSegments()].filter(n => !before.has(n));
  await until('the producer wrote a segment', () => fresh().length > 0, 60_000);
  producer.child.kill('SIGKILL');
  await producer.exit;
  await until('its segments are gone', () => fresh().length === 0, 15_000);
  expect(fresh()).toEqual([]);
});

it('a server killed while OpenHCS waits for its reply leaves no segment in /dev/shm', async () => {
  server = await startServer(PORT, ACK_PORT);
  const before = napariSegments();
  const producer = startProducer(server.home);
  const fresh = (): string[] => [...napariSegments()].filter(n => !before.has(n));
  await until('the producer wrote a segment', () => fresh().length > 0, 60_000);
  server.child.kill('SIGKILL');
  // OpenHCS gives up after its 30 s reply timeout and unlinks its segments then.
  const code = await Promise.race([
    producer.exit,
    new Promise<'hung'>(resolve => setTimeout(() => resolve('hung'), 90_000))
  ]);
  if (code === 'hung') producer.child.kill('SIGKILL');
  expect(code).toBe(1);
  expect(producer.stderr()).toMatch(/Timed out waiting 30000ms for Napari ack/);
  await until('its segments are gone', () => fresh().length === 0, 15_000);
  expect(fresh()).toEqual([]);
}, 180_000);
