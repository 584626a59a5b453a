/**
 * Where `run(plan, { executor })` runs a plan's wells: in this process (the default), or one
 * BullMQ job per well on a Redis queue that `pipeline-viewer worker` processes on any machine
 * (docs/cluster.md).
 */
export interface InProcessExecutor {
  kind: 'in-process';
}

export interface QueueExecutor {
  kind: 'queue';
  /** `redis://host:6379/0`, `rediss://…` or `unix:///path/redis.sock`. */
  redis: string;
  /** BullMQ queue name, the same for the notebook and its workers. Default 'pipeline-viewer'. */
  queue?: string;
  /** Tries per well before it is reported failed (a worker's death does not count). Default 3. */
  attempts?: number;
  /** First retry delay; doubled per retry (BullMQ's exponential backoff). Default 1000 ms. */
  backoffMs?: number;
  /**
   * How long the run waits while the queue has work and no worker is connected before it
   * gives up on the remaining wells. Default 60 s.
   */
  noWorkerTimeoutMs?: number;
  /** Cancels the run: queued wells are removed, running ones stop before their next step. */
  signal?: AbortSignal;
  /**
   * The viewer the workers stream to over TCP with ZeroMQ CURVE (docs/security.md): its
   * address as workers reach it, and the server's public key (Z85). Unset: workers stream
   * nothing and the run's stream report says so.
   */
  viewer?: { host: string; port: number; serverKey: string };
}

export type Executor = InProcessExecutor | QueueExecutor;
