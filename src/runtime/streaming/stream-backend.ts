/**
 * The streaming producer: a StreamSink that the orchestrator hands each step × well batch.
 * `enqueue` only puts the batch in a bounded in-process queue; a drain loop sends it to the
 * viewer server in the background, once the server is ready (`gate`). Nothing here can stall
 * a run: the queue refuses when full, every socket wait has a timeout, after a failure batches
 * are dropped at once for a back-off period instead of each waiting for a dead server, and
 * `flush` gives up at once on a server that stopped answering. Every drop is counted. The
 * messages in flight when a flush gives up are unconfirmed, not dropped: a server too busy to
 * answer the flush's ping may still store them, so their slots stay readable and their reply
 * (or the channel's own bounds: reply timeout, liveness) settles the counts later.
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
   * Asked when `flush` finds batches still in flight after FLUSH_GRACE_MS: null to wait on,
   * or a reason to stop waiting now: a string when the server lives but does not answer
   * (frozen or busy: the messages in flight become unconfirmed), `{ gone }` when it is not
   * there any more (they are dropped). Bound it.
   */
  unresponsive?: () => Promise<string | { gone: string } | null>;
  /**
   * After `close`, how long unconfirmed messages may still settle (their reply, or the
   * channel's reply timeout and liveness watch) before the socket closes. Default 10 s.
   */
  settleMs?: number;
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

/** How long the messages in flight to a gone server get to settle as dropped. */
const GONE_SETTLE_MS = 1000;

/** A message sent and not yet settled (its reply or the channel's failure). */
interface InFlight {
  images: number;
  done: Promise<void>;
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
  /** Images of messages in flight that an abort stopped waiting for (see the header). */
  private unconfirmed = 0;
  /** Those messages: the drain no longer waits for them; close() lets them settle first. */
  private readonly abandoned = new Set<InFlight>();
  /** The messages the drain waits for. */
  private readonly flying = new Set<InFlight>();
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
      if (typeof reason === 'string') await this.abort(reason);
      else if (reason) await this.abort(reason.gone, true);
      else if (!(await within(draining, deadline - Date.now())))
        // The server answered ping but did not drain in time: give up on what is in flight.
        await this.abort(`flush timed out after ${timeoutMs} ms`, true);
    }
    return this.report();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.abort('stream closed');
    const channel = this.channel;
    if (this.abandoned.size === 0) channel?.close();
    else {
      // Unconfirmed messages may settle a while longer (the server reads their slots meanwhile).
      const settled = Promise.all([...this.abandoned].map(m => m.done));
      void within(settled, this.options.settleMs ?? 10_000).then(() => {
        channel?.close(); // what is still unconfirmed is dropped, its slots retired
        releaseFreeSlots();
      });
    }
    releaseFreeSlots(); // a closed stream leaves nothing in /dev/shm
  }

  /** Counts so far (cumulative over the life of this sink). */
  report(): StreamReport {
    const report: StreamReport = {
      sent: this.sent,
      dropped: this.dropped,
      errors: [...this.errors]
    };
    if (this.unconfirmed > 0) {
      const n = this.unconfirmed;
      report.unconfirmed = n;
      report.errors.push(
        `${n} image${n === 1 ? '' : 's'} unconfirmed: sent, but the viewer server had not replied when the stream stopped waiting (busy?); it may still store ${n === 1 ? 'it' : 'them'} (a later report counts ${n === 1 ? 'it' : 'them'})`
      );
    }
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

  /**
   * Drops what is queued and stops waiting for the messages in flight (unconfirmed: their
   * replies still count; `gone`: dropped at once), then waits for the drain loop to stop.
   */
  private async abort(reason: string, gone = false): Promise<void> {
    this.aborting = reason;
    this.signalAbort(); // a drain waiting for the gate or a reply stops waiting
    for (const batch of this.queue.takeAll()) this.drop(batch.items.length, reason);
    // No server (or the flush's own bound ran out): the messages in flight are dropped. The
    // close rejects their requests, but they settle (and count) a few turns later: wait for
    // that, bounded, or the report would still list them as unconfirmed.
    if (gone) {
      this.channel?.close();
      await within(Promise.all([...this.flying].map(m => m.done)), GONE_SETTLE_MS);
    }
    for (const message of this.flying) {
      this.flying.delete(message);
      this.abandoned.add(message);
      this.unconfirmed += message.images;
    }
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
    const flying = this.flying;
    // The next reply, or an abort (which moves every message in flight to `abandoned`).
    const next = () => Promise.race([...[...flying].map(m => m.done), this.aborted]);
    for (;;) {
      const batch = this.queue.take();
      if (batch === undefined) {
        // Batches enqueued while the last replies are awaited are sent by this loop too.
        if (flying.size === 0) return;
        await next();
        continue;
      }
      for (const items of chunkItems(batch.items, this.chunkSize)) {
        while (flying.size >= this.inFlight) await next();
        if (this.aborting !== null || Date.now() < this.downUntil) {
          this.drop(items.length, this.aborting);
          continue;
        }
        const message: InFlight = { images: items.length, done: Promise.resolve() };
        message.done = this.sendChunk(batch, items, message).finally(() => flying.delete(message));
        flying.add(message);
      }
    }
  }

  private async sendChunk(
    batch: StreamBatch,
    items: StreamBatch['items'],
    message: InFlight
  ): Promise<void> {
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
      this.settled(message); // counted as sent or dropped below, in the same turn
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
      this.settled(message);
      this.downUntil = Date.now() + this.backoffMs;
      // Messages in flight when the server was found gone are dropped for that reason.
      this.drop(chunk.images, this.aborting ?? (err as Error).message);
    } finally {
      // The server unlinks the segments it received; sweep whatever it did not (timeout,
      // death, refusal). Ring slots come back, or are retired when no reply came.
      settleChunk(chunk, replied);
    }
  }

  /** A message's reply or failure came: no longer unconfirmed, if the stream had left it. */
  private settled(message: InFlight): void {
    if (this.abandoned.delete(message)) this.unconfirmed -= message.images;
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
