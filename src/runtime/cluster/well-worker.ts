/**
 * `pipeline-viewer worker`: a BullMQ worker that runs wells of queued runs (one job = one
 * well, its compiled plan as data) with the same orchestrator as an in-process run.
 *
 * Exactly-once outputs: a well's files are written only after all its steps succeeded, each by
 * temp + rename (storage/atomic-write.ts), so a worker killed mid-well leaves at most
 * temporary files, which the retry removes before it runs; the retry renames the same names
 * over any file the killed attempt finished, so nothing is doubled. BullMQ moves the job of
 * a dead worker back to the queue once its lock expires (stalled-job check).
 */
import { readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { runPlan, type StreamSinkFor } from '../run/orchestrator.js';
import { StepWorkerPool } from '../run/worker-pool.js';
import { TEMP_MARK } from '../storage/atomic-write.js';
import { DiskBackend } from '../storage/disk-backend.js';
import { FileManager } from '../storage/file-manager.js';
import { MemoryBackend } from '../storage/memory-backend.js';
import { ZarrBackend } from '../storage/zarr-backend.js';
import type { CompiledPlan } from '../compile/compiled-plan.js';
import { cancelKey, DEFAULT_QUEUE } from './queue-keys.js';
import { reachRedis, redactedRedisUrl, redisConnection } from './redis-connection.js';
import { planOfJob, type WellJobData, type WellJobResult } from './well-job.js';

export interface WellWorkerOptions {
  redis: string;
  /** Wells run at once by this worker. Default 1. */
  concurrency?: number;
  queue?: string;
  /**
   * How long a job's lock lasts without renewal (renewed every half of it): after a worker's
   * death its well goes back to the queue within about this time. Default 30 s.
   */
  lockMs?: number;
  /** Opens the stream sink of a job that names a viewer (remote streaming). */
  streamSinkFor?: (job: WellJobData) => StreamSinkFor | null;
  log?: (line: string) => void;
}

export interface WellWorker {
  /** `host:pid`, as the notebook's progress names it. */
  id: string;
  close(): Promise<void>;
}

const CANCEL_POLL_MS = 250;

export async function startWellWorker(options: WellWorkerOptions): Promise<WellWorker> {
  await reachRedis(options.redis);
  const connection = redisConnection(options.redis);
  const id = `${os.hostname()}:${process.pid}`;
  const log = options.log ?? (() => undefined);
  const redis = new Redis(connection as RedisOptions);
  redis.on('error', error => log(`worker ${id}: redis: ${error.message}`));
  // One thread pool for every well this process runs (threads and imported modules stay).
  let pool: Promise<StepWorkerPool> | null = null;
  const poolFor = (threads: number) => (pool ??= StepWorkerPool.start(threads));
  const lockDuration = options.lockMs ?? 30_000;
  const worker = new Worker<WellJobData, WellJobResult>(
    options.queue ?? DEFAULT_QUEUE,
    job => processWell(job, { id, redis, poolFor, streamSinkFor: options.streamSinkFor }),
    {
      connection,
      name: id,
      concurrency: options.concurrency ?? 1,
      lockDuration,
      stalledInterval: Math.min(lockDuration, 30_000),
      maxStalledCount: 2
    }
  );
  worker.on('error', error => log(`worker ${id}: ${error.message}`));
  await worker.waitUntilReady();
  log(
    `worker ${id} on ${redactedRedisUrl(options.redis)} (concurrency ${options.concurrency ?? 1})`
  );
  return {
    id,
    async close() {
      await worker.close();
      redis.disconnect();
      await (await pool)?.destroy();
    }
  };
}

interface WorkerContext {
  id: string;
  redis: Redis;
  poolFor: (threads: number) => Promise<StepWorkerPool>;
  streamSinkFor?: (job: WellJobData) => StreamSinkFor | null;
}

async function processWell(job: Job<WellJobData>, ctx: WorkerContext): Promise<WellJobResult> {
  const data = job.data;
  if (await ctx.redis.exists(cancelKey(data.runId))) throw new UnrecoverableError('cancelled');
  const plan = await planOfJob(data);
  await removeTemporaries(plan, data.well);
  const controller = new AbortController();
  const poll = setInterval(() => {
    ctx.redis.exists(cancelKey(data.runId)).then(
      n => n > 0 && controller.abort(),
      () => undefined
    );
  }, CANCEL_POLL_MS);
  try {
    const result = await runPlan(plan, {
      fileManager: defaultFileManager(plan),
      streamSinkFor: ctx.streamSinkFor?.(data) ?? null,
      signal: controller.signal,
      ...(plan.steps.some(s => Object.values(s.placement).some(p => p.includes('workers')))
        ? { pool: await ctx.poolFor(plan.settings.values.num_workers) }
        : {}),
      onEvent: event => {
        job.updateProgress({ ...event, worker: ctx.id }).catch(() => undefined);
      }
    });
    const well = result.wells[0];
    if (controller.signal.aborted) throw new UnrecoverableError('cancelled');
    if (well.status === 'failed') {
      const reason = `step '${well.error?.step}': ${well.error?.message}`;
      // BullMQ's events do not say whether a failure will be retried; the worker knows.
      if (job.attemptsMade + 1 < (job.opts.attempts ?? 1))
        await job
          .updateProgress({ type: 'well-retried', well: data.well, reason, worker: ctx.id })
          .catch(() => undefined);
      throw new Error(reason);
    }
    const total = result.stream.total;
    return {
      worker: ctx.id,
      host: os.hostname(),
      result: well,
      stream: {
        sent: total.sent,
        dropped: data.viewer ? total.dropped : 0,
        errors: data.viewer ? total.errors : []
      }
    };
  } finally {
    clearInterval(poll);
  }
}

function defaultFileManager(plan: CompiledPlan): FileManager {
  const pixelSize = plan.plate.pixelSize ?? undefined;
  return new FileManager([
    new MemoryBackend(),
    new DiskBackend({ pixelSize }),
    new ZarrBackend({
      channelNames: plan.plate.channelNames,
      ngff: plan.settings.values.zarr_ngff,
      pixelSize
    })
  ]);
}

/**
 * Temporary files an earlier attempt of this well left (a killed worker cannot remove its
 * own). Plane file names start with the well (`A01_s001_w1.tif`), temporaries with
 * `.partial-<pid>-<salt>-` before that name.
 */
async function removeTemporaries(plan: CompiledPlan, well: string): Promise<void> {
  const dirs = new Set<string>();
  for (const s of plan.wells[0].steps) {
    if (s.writeBackend === 'disk') dirs.add(s.outputDir);
    if (s.checkpoint?.backend === 'disk') dirs.add(s.checkpoint.dir);
  }
  const mine = new RegExp(`^${escape(TEMP_MARK)}[^-]+-[^-]+-${escape(well)}_`);
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    await Promise.all(
      names.filter(n => mine.test(n)).map(n => rm(path.join(dir, n), { force: true }))
    );
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
