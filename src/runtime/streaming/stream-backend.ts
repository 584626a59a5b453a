/**
 * The streaming producer: a StreamSink that the orchestrator hands each step × well batch.
 * `enqueue` only puts the batch in a bounded in-process queue; a drain loop sends it to the
 * viewer server in the background, once the server is ready (`gate`). Nothing here can stall
 * a run: the queue refuses when full, every socket wait has a timeout, after a failure batches
 * are dropped at once for a back-off period instead of each waiting for a dead server, and
 * `flush` gives up at once on a server that stopped answering. Every drop is counted.
 */
import type { RunTag } from '../../protocol/index.js';
import type { StreamBatch, StreamReport, StreamSink } from '../model/stream-sink.js';
import { BoundedQueue, type QueueLimits } from './bounded-queue.js';
import { DataChannel, type DataChannelOptions } from './data-channel.js';
import { releaseFreeSlots } from '../../protocol/node/shm-ring.js';
import { chooseTransport, type Transport } from './transport.js';
import { chunkItems, encodeChunk, settleChunk, MAX_IMAGES_PER_MESSAGE } from './wire-batch.js';

/**
 * How the server's start ended: the data port to send to (and the pixel transports the
 * server said it reads: its pong's `transports`), or why nothing will be sent.
 */
export type StreamGate =
  { port: number; notes?: string[]; transports?: readonly string[] } | { error: string };

export interface StreamBackendOptions extends DataChannelOptions, Partial<QueueLimits> {
  /** Data port of the viewer server (until `gate` names another). */
  port: number;
  /**
   * Settles once the server is ready (or cannot be): batches queue meanwhile and are sent
   * after it, so the run never waits for a server to start. Without it, send at once.
   */
  gate?: Promise<StreamGate>;
  /**
   * Asked when `flush` finds batches still in flight after FLUSH_GRACE_MS: a reason to drop
   * them now (the server stopped answering: frozen, gone), or null to wait on. Bound it.
   */
  unresponsive?: () => Promise<string | null>;
  /** Images per wire message, at most MAX_IMAGES_PER_MESSAGE. */
  chunkSize?: number;
  /** After a send failure, drop without trying for this long (a dead server costs one timeout). */
  backoffMs?: number;
  /** Sent with every batch: the server remembers whose planes they are (run-owner.ts). */
  run?: RunTag;
  /**
   * How pixels travel (transport.ts). Default: the fastest the server reads, as the gate
   * says (`ring` with a current server, `segment` with an older one or without a gate).
   */
  transport?: Transport;
  /**
   * Messages sent before the oldest one's reply, at most MAX_IN_FLIGHT: with 2 the next
   * message is written into shared memory while the server copies this one. Default 1
   * (wait for each reply): on the 2-core machine of docs/benchmarks.md, loaded, 2 measured
   * no faster (P1), as producer and server then compete for the same cores.
   */
  inFlight?: number;
}

/** Bound on `inFlight`: each message in flight holds up to ~64 MiB of ring slots. */
export const MAX_IN_FLIGHT = 4;

const MAX_ERRORS = 20;
/** A flush that has not drained by then asks `unresponsive` whether to wait on. */
export const FLUSH_GRACE_MS = 200;
const ABORTED = Symbol('aborted');

/** Whether `promise` settled within `ms` (it is not cancelled otherwise). */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    promise.then(() => true),
    new Promise<boolean>(resolve => (timer = setTimeout(() => resolve(false), Math.max(0, ms))))
  ]);
  clearTimeout(timer);
  return settled;
}

export class StreamBackend implements StreamSink {
  private readonly queue: BoundedQueue<StreamBatch>;
  private channel: DataChannel | null = null;
  private dataPort: number;
  private transport: Transport;
  private gate: 'waiting' | 'open' | 'failed';
  /** Resolves when an abort starts, so a drain waiting for the gate stops waiting. */
  private aborted!: Promise<typeof ABORTED>;
  private signalAbort!: () => void;
  private readonly chunkSize: number;
  private readonly backoffMs: number;
  private readonly inFlight: number;
  private sent = 0;
  private dropped = 0;
  /** Planes of another producer that our batches replaced, as the server counted them. */
  private replaced = 0;
  private readonly errors: string[] = [];
  private draining: Promise<void> | null = null;
  private downUntil = 0;
  /** Why the stream is being aborted (the reason of every drop it causes), or null. */
  private aborting: string | null = null;
  private closed = false;

  constructor(readonly options: StreamBackendOptions) {
    this.queue = new BoundedQueue<StreamBatch>(
      { maxImages: options.maxImages ?? 1024, maxBytes: options.maxBytes ?? 256 * 1024 * 1024 },
      batch => ({
        images: batch.items.length,
        bytes: batch.items.reduce((sum, item) => sum + item.array.data.byteLength, 0)
      })
    );
    this.dataPort = options.port;
    this.transport = options.transport ?? 'segment';
    this.gate = options.gate ? 'waiting' : 'open';
    this.armAbort();
    this.chunkSize = Math.max(
      1,
      Math.min(options.chunkSize ?? MAX_IMAGES_PER_MESSAGE, MAX_IMAGES_PER_MESSAGE)
    );
    this.backoffMs = options.backoffMs ?? 2000;
    const inFlight = options.inFlight ?? 1;
    if (!Number.isInteger(inFlight) || inFlight < 1 || inFlight > MAX_IN_FLIGHT)
      throw new RangeError(
        `inFlight must be an integer from 1 to ${MAX_IN_FLIGHT} (messages sent before a reply), got ${inFlight}`
      );
    this.inFlight = inFlight;
  }

  enqueue(batch: StreamBatch): boolean {
    if (batch.items.length === 0) return true;
    if (this.closed || !this.queue.offer(batch)) {
      this.drop(
        batch.items.length,
        this.closed ? 'stream closed' : `queue full, batch ${batch.step} × ${batch.well} dropped`
      );
      return false;
    }
    this.draining ??= this.drain().finally(() => (this.draining = null));
    return true;
  }

  /** How pixels are sent now (the gate's choice once it opened). */
  get pixelTransport(): Transport {
    return this.transport;
  }

  /** The data port sent to: the one the gate named once it opened. */
  get port(): number {
    return this.dataPort;
  }

  async flush(timeoutMs: number): Promise<StreamReport> {
    const deadline = Date.now() + timeoutMs;
    const draining = this.draining;
    if (!draining && this.gate === 'waiting' && this.options.gate) {
      // Nothing was sent yet, but the report must name the port really used: wait for a
      // starting or answering server within the flush bound, never for a frozen or gone one.
      const reason = (await this.options.unresponsive?.()) ?? null;
      if (!reason) await within(this.opened(), deadline - Date.now());
    }
    if (draining && !(await within(draining, Math.min(FLUSH_GRACE_MS, timeoutMs)))) {
      // A healthy server drains on; one that stopped answering would hold the run until the
      // reply timeout (or the flush timeout while it is starting): give up at once instead.
      const reason = (await this.options.unresponsive?.()) ?? null;
      if (reason) await this.abort(reason);
      else if (!(await within(draining, deadline - Date.now())))
        await this.abort(`flush timed out after ${timeoutMs} ms`);
    }
    return this.report();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.abort('stream closed');
    this.channel?.close();
    releaseFreeSlots(); // a closed stream leaves nothing in /dev/shm
  }

  /** Counts so far (cumulative over the life of this sink). */
  report(): StreamReport {
    const report: StreamReport = {
      sent: this.sent,
      dropped: this.dropped,
      errors: [...this.errors]
    };
    if (this.replaced === 0) return report;
    // Not lost silently: the planes shown before at those layers and positions are gone.
    const what = `${this.replaced} plane${this.replaced === 1 ? '' : 's'} of another run replaced`;
    return {
      ...report,
      replaced: this.replaced,
      errors: [
        ...report.errors,
        `${what} (another notebook, show() or program had streamed the same layer and position; the server log names it)`
      ]
    };
  }

  /** Drops what is queued, cancels the message in flight and waits for the drain loop to stop. */
  private async abort(reason: string): Promise<void> {
    this.aborting = reason;
    this.signalAbort(); // a drain waiting for the gate stops waiting
    for (const batch of this.queue.takeAll()) this.drop(batch.items.length, reason);
    this.channel?.close(); // rejects a pending send/receive at once
    await this.draining;
    this.armAbort();
    this.aborting = null;
  }

  private armAbort(): void {
    this.aborted = new Promise(resolve => (this.signalAbort = () => resolve(ABORTED)));
  }

  /** Waits for the gate (or an abort); after a failed gate everything is dropped at once. */
  private async opened(): Promise<void> {
    if (this.gate !== 'waiting') return;
    const result = await Promise.race([this.options.gate!, this.aborted]);
    if (result === ABORTED) return; // the chunks are dropped as aborted; the gate may open later
    if ('error' in result) {
      this.gate = 'failed';
      this.downUntil = Number.POSITIVE_INFINITY;
      this.note(result.error);
      return;
    }
    this.dataPort = result.port;
    for (const note of result.notes ?? []) this.note(note);
    try {
      this.transport = chooseTransport(result.transports, this.options.transport);
    } catch (err) {
      this.gate = 'failed';
      this.downUntil = Number.POSITIVE_INFINITY;
      this.note((err as Error).message);
      return;
    }
    this.gate = 'open';
  }

  /**
   * Sends the queue in order, up to `inFlight` messages before the oldest reply; each
   * message's slots stay lent until its own reply (sendChunk).
   */
  private async drain(): Promise<void> {
    await this.opened();
    const flying = new Set<Promise<void>>();
    for (;;) {
      const batch = this.queue.take();
      if (batch === undefined) {
        // Batches enqueued while the last replies are awaited are sent by this loop too.
        if (flying.size === 0) return;
        await Promise.race(flying);
        continue;
      }
      for (const items of chunkItems(batch.items, this.chunkSize)) {
        while (flying.size >= this.inFlight) await Promise.race(flying);
        if (this.aborting !== null || Date.now() < this.downUntil) {
          this.drop(items.length, this.aborting !== null ? 'aborted' : null);
          continue;
        }
        const sending: Promise<void> = this.sendChunk(batch, items).finally(() =>
          flying.delete(sending)
        );
        flying.add(sending);
      }
    }
  }

  private async sendChunk(batch: StreamBatch, items: StreamBatch['items']): Promise<void> {
    let chunk;
    try {
      chunk = encodeChunk(batch, items, this.options.run, this.transport);
    } catch (err) {
      this.drop(
        items.length,
        `could not prepare ${batch.step} × ${batch.well}: ${(err as Error).message}`
      );
      return;
    }
    let replied = false;
    try {
      this.channel ??= new DataChannel(this.dataPort, this.options);
      const reply = await this.channel.request(chunk.frames);
      replied = true; // the server copied what it read before replying: slots are free again
      if (reply.status === 'success') {
        this.sent += reply.accepted;
        this.replaced += reply.replaced ?? 0;
        if (reply.rejected > 0)
          this.drop(
            reply.rejected,
            `server rejected ${reply.rejected} image(s) of ${batch.step} × ${batch.well}`
          );
      } else {
        this.drop(chunk.images, `server refused ${batch.step} × ${batch.well}: ${reply.error}`);
      }
    } catch (err) {
      this.downUntil = Date.now() + this.backoffMs;
      // Messages in flight when an abort closed the socket are dropped for the abort's reason.
      this.drop(chunk.images, this.aborting ?? (err as Error).message);
    } finally {
      // The server unlinks the segments it received; sweep whatever it did not (timeout,
      // death, refusal). Ring slots come back, or are retired when no reply came.
      settleChunk(chunk, replied);
    }
  }

  private drop(images: number, reason: string | null): void {
    this.dropped += images;
    if (reason) this.note(reason);
  }

  /** Keeps a distinct reason for the report (at most MAX_ERRORS). */
  private note(reason: string): void {
    if (this.errors.length < MAX_ERRORS && !this.errors.includes(reason)) this.errors.push(reason);
  }
}
