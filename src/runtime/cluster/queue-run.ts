/**
 * `run(plan, { executor: { kind: 'queue', redis } })`: one BullMQ job per well, run by
 * `pipeline-viewer worker` processes anywhere (docs/cluster.md). The notebook waits for every
 * well's outcome, reports progress per worker, retries and failures, and can cancel: queued
 * wells are removed and running ones stop before their next step.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Job, Queue, QueueEvents } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { CompiledPlan } from '../compile/compiled-plan.js';
import { checkRemotable } from '../compile/validate-remote.js';
import type { QueueExecutor } from '../model/executor.js';
import type { RunEvent, RunResult, WellResult } from '../run/run-result.js';
import { cancelKey, DEFAULT_QUEUE, wellJobId } from './queue-keys.js';
import { reachRedis, redisConnection } from './redis-connection.js';
import { QueueTally } from './queue-tally.js';
import { wellJobs, type WellJobData, type WellJobResult } from './well-job.js';

const RECONCILE_MS = 2_000;

export async function runOnQueue(
  plan: CompiledPlan,
  executor: QueueExecutor,
  onEvent?: (event: RunEvent) => void
): Promise<RunResult> {
  checkRemotable(plan.pipeline);
  await reachRedis(executor.redis);
  const started = performance.now();
  const connection = redisConnection(executor.redis);
  const name = executor.queue ?? DEFAULT_QUEUE;
  const queue = new Queue<WellJobData, WellJobResult>(name, { connection });
  const events = new QueueEvents(name, { connection });
  const runId = randomUUID();
  const tally = new QueueTally(
    plan.wells.map(w => w.well),
    onEvent
  );
  const byJob = new Map(plan.wells.map(w => [wellJobId(runId, w.well), w.well]));
  let cancelled = false;
  const cancel = () => {
    if (cancelled) return;
    cancelled = true;
    void cancelRun(connection, queue, runId, byJob, tally).catch(() => undefined);
  };
  const onSigint = () => cancel();
  try {
    await events.waitUntilReady();
    const done = new Promise<void>(resolve => tally.onAllSettled(resolve));
    const settle = async (jobId: string) => {
      const well = byJob.get(jobId);
      if (!well || tally.isSettled(well)) return;
      const job = await Job.fromId<WellJobData, WellJobResult>(queue, jobId);
      if (!job) return tally.settle(well, cancelledResult(well, 'removed from the queue'));
      const state = await job.getState();
      if (state === 'completed') tally.completed(well, job.returnvalue);
      else if (state === 'failed')
        tally.failed(well, job.failedReason, job.attemptsMade, job.processedBy);
    };
    events.on('progress', ({ jobId, data }) => {
      const well = byJob.get(jobId);
      if (well) tally.progress(well, data);
    });
    events.on('completed', ({ jobId }) => void settle(jobId).catch(() => undefined));
    // A failure that will be retried is reported by its worker (progress 'well-retried').
    events.on('failed', ({ jobId }) => void settle(jobId).catch(() => undefined));
    events.on('stalled', ({ jobId }) => {
      const well = byJob.get(jobId);
      if (well) tally.retried(well, 'its worker stopped answering (stalled); queued again');
    });
    executor.signal?.addEventListener('abort', cancel, { once: true });
    process.on('SIGINT', onSigint);
    if (executor.signal?.aborted) cancel();
    else
      await queue.addBulk(
        wellJobs(plan, runId, executor.viewer ?? null).map(data => ({
          name: data.well,
          data,
          opts: {
            jobId: wellJobId(runId, data.well),
            attempts: executor.attempts ?? 3,
            backoff: { type: 'exponential', delay: executor.backoffMs ?? 1_000 },
            removeOnComplete: { age: 3_600 },
            removeOnFail: { age: 86_400 }
          }
        }))
      );
    await waitWithWatch(done, queue, tally, byJob, settle, executor.noWorkerTimeoutMs ?? 60_000);
  } finally {
    process.off('SIGINT', onSigint);
    executor.signal?.removeEventListener('abort', cancel);
    await events.close();
    await queue.close();
  }
  return tally.result(performance.now() - started, cancelled);
}

/**
 * Waits for every well, checking every few seconds: a job whose event was missed is settled
 * from its state, and a queue with work but no worker for `noWorkerMs` ends the run.
 */
async function waitWithWatch(
  done: Promise<void>,
  queue: Queue,
  tally: QueueTally,
  byJob: Map<string, string>,
  settle: (jobId: string) => Promise<void>,
  noWorkerMs: number
): Promise<void> {
  let workerlessSince: number | null = null;
  let finished = false;
  void done.then(() => (finished = true));
  while (!finished) {
    await Promise.race([done, new Promise(r => setTimeout(r, RECONCILE_MS))]);
    if (finished) break;
    for (const jobId of byJob.keys()) await settle(jobId).catch(() => undefined);
    const workers = await queue.getWorkersCount().catch(() => 0);
    if (workers > 0) workerlessSince = null;
    else workerlessSince ??= performance.now();
    if (workerlessSince !== null && performance.now() - workerlessSince > noWorkerMs) {
      const reason =
        `no worker connected to queue '${queue.name}' for ${noWorkerMs} ms; start workers ` +
        'with `pipeline-viewer worker --redis URL` on machines that reach the plate and outputs';
      for (const [jobId, well] of byJob) {
        if (tally.isSettled(well)) continue;
        await queue.remove(jobId).catch(() => 0);
        tally.settle(well, cancelledResult(well, reason));
      }
    }
  }
}

/** Removes this run's queued wells and tells running ones to stop before their next step. */
async function cancelRun(
  redisOptions: object,
  queue: Queue,
  runId: string,
  byJob: Map<string, string>,
  tally: QueueTally
): Promise<void> {
  const client = new Redis(redisOptions as RedisOptions);
  await client.set(cancelKey(runId), '1', 'EX', 86_400).finally(() => client.disconnect());
  for (const [jobId, well] of byJob) {
    const job = await Job.fromId(queue, jobId);
    const state = job ? await job.getState() : 'unknown';
    if (['waiting', 'delayed', 'prioritized', 'unknown'].includes(state)) {
      await job?.remove().catch(() => undefined);
      tally.settle(well, cancelledResult(well, 'cancelled before it started'));
    }
  }
}

function cancelledResult(well: string, message: string): WellResult {
  return {
    well,
    status: 'failed',
    durationMs: 0,
    steps: [],
    outputs: [],
    error: { step: '', message }
  };
}
