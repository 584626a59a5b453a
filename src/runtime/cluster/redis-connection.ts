/**
 * A Redis URL as BullMQ's connection options (ioredis). Workers and the notebook name Redis
 * the same way: `redis://[user:password@]host:port/db`, `rediss://…` (TLS), or a Unix socket
 * as `unix:///path/to/redis.sock` (`?db=N` for a database other than 0).
 */
import type { RedisOptions } from 'bullmq';

export class RedisUrlError extends Error {}

export function redisConnection(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RedisUrlError(
      `'${url}' is not a Redis URL; write redis://host:6379/0 or unix:///path/to/redis.sock`
    );
  }
  // Workers block on Redis for new jobs: BullMQ wants requests retried without a limit.
  const common: RedisOptions = { maxRetriesPerRequest: null, connectTimeout: 10_000 };
  if (parsed.protocol === 'unix:' || parsed.protocol === 'redis+unix:') {
    const db = Number(parsed.searchParams.get('db') ?? 0);
    return { ...common, path: decodeURIComponent(parsed.pathname), db };
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new RedisUrlError(
      `'${url}': unknown scheme '${parsed.protocol}'; use redis://, rediss:// or unix://`
    );
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0)
    throw new RedisUrlError(`'${url}': the database '${parsed.pathname.slice(1)}' is not a number`);
  return {
    ...common,
    host: parsed.hostname || 'localhost',
    port: parsed.port ? Number(parsed.port) : 6379,
    db,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {})
  };
}

/** The URL without its password, for logs and progress lines. */
export function redactedRedisUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

/** How long a notebook or worker tries to reach Redis before it says so. */
export const REDIS_REACH_MS = 10_000;

/**
 * Checks that Redis answers at `url` within `ms` (BullMQ itself would retry for ever), with
 * an error saying where and what to do.
 */
export async function reachRedis(url: string, ms = REDIS_REACH_MS): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis({
    ...(redisConnection(url) as import('ioredis').RedisOptions),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null
  });
  let last = '';
  client.on('error', (error: Error) => (last = error.message));
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      client.connect().then(() => client.ping()),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer')), ms)))
    ]);
  } catch (error) {
    throw new Error(
      `cannot reach Redis at ${redactedRedisUrl(url)} within ${ms} ms ` +
        `(${last || (error as Error).message}); start redis-server there or fix the URL`
    );
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}
