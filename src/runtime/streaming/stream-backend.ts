/**
 * The streaming producer: a StreamSink that the orchestrator hands each step × well batch.
 * `enqueue` only puts the batch in a bounded in-process queue; a drain loop sends it to the
 * viewer server in the background. Nothing here can stall a run: the queue refuses when full,
 * every socket wait has a timeout, and after a failure batches are dropped at once for a
 * back-off period instead of each waiting for a dead server. Every drop is counted.
 */
import type { RunTag } from '../../protocol/index.js';
import type { StreamBatch, StreamReport, StreamSink } from '../model/stream-sink.js';
import { BoundedQueue, type QueueLimits } from './bounded-queue.js';
import { DataChannel, type DataChannelOptions } from './data-channel.js';
import { chunkItems, encodeChunk, releaseSegments, MAX_IMAGES_PER_MESSAGE } from './wire-batch.js';

export interface StreamBackendOptions extends DataChannelOptions, Partial<QueueLimits> {
  /** Data port of the viewer server. */
  port: number;
  /** Images per wire message, at most MAX_IMAGES_PER_MESSAGE. */
  chunkSize?: number;
  /** After a send failure, drop without trying for this long (a dead server costs one timeout). */
  backoffMs?: number;
  /** Sent with every batch: the server remembers whose planes they are (run-owner.ts). */
  run?: RunTag;
}

const MAX_ERRORS = 20;

export class StreamBackend implements StreamSink {
  private readonly queue: BoundedQueue<StreamBatch>;
  private readonly channel: DataChannel;
  private readonly chunkSize: number;
  private readonly backoffMs: number;
  private sent = 0;
  private dropped = 0;
  /** Planes of another producer that our batches replaced, as the server counted them. */
  private replaced = 0;
  private readonly errors: string[] = [];
  private draining: Promise<void> | null = null;
  private downUntil = 0;
  private aborting = false;
  private closed = false;

  constructor(readonly options: StreamBackendOptions) {
    this.queue = new BoundedQueue<StreamBatch>(
      { maxImages: options.maxImages ?? 1024, maxBytes: options.maxBytes ?? 256 * 1024 * 1024 },
      batch => ({
        images: batch.items.length,
        bytes: batch.items.reduce((sum, item) => sum + item.array.data.byteLength, 0)
      })
    );
    this.channel = new DataChannel(options.port, options);
    this.chunkSize = Math.max(
      1,
      Math.min(options.chunkSize ?? MAX_IMAGES_PER_MESSAGE, MAX_IMAGES_PER_MESSAGE)
    );
    this.backoffMs = options.backoffMs ?? 2000;
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

  async flush(timeoutMs: number): Promise<StreamReport> {
    if (this.draining) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        this.draining.then(() => false),
        new Promise<boolean>(
          resolve => (timer = setTimeout(() => resolve(true), Math.max(0, timeoutMs)))
        )
      ]);
      clearTimeout(timer);
      if (timedOut) await this.abort(`flush timed out after ${timeoutMs} ms`);
    }
    return this.report();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.abort('stream closed');
    this.channel.close();
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
    this.aborting = true;
    for (const batch of this.queue.takeAll()) this.drop(batch.items.length, reason);
    this.channel.close(); // rejects a pending send/receive at once
    await this.draining;
    this.aborting = false;
  }

  private async drain(): Promise<void> {
    for (let batch = this.queue.take(); batch !== undefined; batch = this.queue.take()) {
      for (const items of chunkItems(batch.items, this.chunkSize)) {
        if (this.aborting || Date.now() < this.downUntil) {
          this.drop(items.length, this.aborting ? 'aborted' : null);
          continue;
        }
        await this.sendChunk(batch, items);
      }
    }
  }

  private async sendChunk(batch: StreamBatch, items: StreamBatch['items']): Promise<void> {
    let chunk;
    try {
      chunk = encodeChunk(batch, items, this.options.run);
    } catch (err) {
      this.drop(
        items.length,
        `could not prepare ${batch.step} × ${batch.well}: ${(err as Error).message}`
      );
      return;
    }
    try {
      const reply = await this.channel.request(chunk.frames);
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
      this.drop(chunk.images, (err as Error).message);
    } finally {
      // The server unlinks what it received; sweep whatever it did not (timeout, death, refusal).
      releaseSegments(chunk.segments);
    }
  }

  private drop(images: number, reason: string | null): void {
    this.dropped += images;
    if (reason && this.errors.length < MAX_ERRORS && !this.errors.includes(reason))
      this.errors.push(reason);
  }
}
