/**
 * `pipeline-viewer worker --redis URL [--concurrency N] [--queue NAME] [--lock-ms MS]`
 * (bin/pipeline-viewer.js dispatches `worker` here): runs queued wells until SIGTERM or
 * SIGINT, then finishes its running wells' current jobs and exits (docs/cluster.md).
 */
import { parseArgs } from 'node:util';
import { startWellWorker } from './well-worker.js';
import { remoteSinkFor } from './remote-sink.js';

const USAGE =
  'usage: pipeline-viewer worker --redis URL [--concurrency N] [--queue NAME] [--lock-ms MS]\n' +
  '  URL: redis://host:6379/0, rediss://…, or unix:///path/redis.sock';

function fail(message: string): never {
  process.stderr.write(`pipeline-viewer worker: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function positive(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a whole number ≥ 1, got '${value}'`);
  return n;
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2).filter((a, i) => !(i === 0 && a === 'worker')),
      options: {
        redis: { type: 'string' },
        concurrency: { type: 'string' },
        queue: { type: 'string' },
        'lock-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      }
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (typeof values.redis !== 'string') fail('--redis is required');
  const worker = await startWellWorker({
    redis: values.redis,
    concurrency: positive(values.concurrency as string | undefined, 'concurrency', 1),
    queue: values.queue as string | undefined,
    lockMs: positive(values['lock-ms'] as string | undefined, 'lock-ms', 30_000),
    streamSinkFor: remoteSinkFor,
    log: line => process.stderr.write(`${line}\n`)
  });
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    void worker.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`pipeline-viewer worker: ${(error as Error).message}\n`);
  process.exit(1);
});
