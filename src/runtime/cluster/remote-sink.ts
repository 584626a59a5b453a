/**
 * A worker's stream to a viewer on another machine (docs/cluster.md, docs/security.md):
 * shared memory does not cross machines, so pixels go as raw frames after the JSON header,
 * over TCP to the viewer's remote data port, which speaks ZeroMQ CURVE only. The worker
 * knows the server's public key (given to workers, never generated here) and makes a
 * keypair of its own per sink; without the right server key the handshake never completes
 * and every batch is counted as dropped with the reason.
 *
 * Like the local sink it never blocks the run: `enqueue` queues (bounded) and a drain loop
 * sends one message at a time, each wait bounded.
 */
import * as zmq from 'zeromq';
import { BatchReplySchema, decodeJson, tcpEndpoint } from '../../protocol/index.js';
import { receiveWithin, sendWithin } from '../../protocol/node/deadline.js';
import type { StreamSinkFor } from '../run/orchestrator.js';
import type { StreamBatch, StreamReport, StreamSink } from '../model/stream-sink.js';
import { chunkItems, encodeChunk } from '../streaming/wire-batch.js';
import type { WellJobData } from './well-job.js';

const MAX_QUEUED_BATCHES = 64;
const SEND_TIMEOUT_MS = 5_000;
const REPLY_TIMEOUT_MS = 15_000;

export interface RemoteViewer {
  host: string;
  port: number;
  /** The server's CURVE public key, Z85 (40 characters). */
  serverKey: string;
}

/** The worker's sink opener for a job that names a viewer; null when it names none. */
export function remoteSinkFor(job: WellJobData): StreamSinkFor | null {
  const viewer = job.viewer;
  if (!viewer) return null;
  return async () => new RemoteSink(viewer, { owner: `queue:${job.pipeline.name}`, id: job.runId });
}

export class RemoteSink implements StreamSink {
  private readonly queue: StreamBatch[] = [];
  private readonly report: StreamReport = { sent: 0, dropped: 0, errors: [] };
  private socket: zmq.Dealer | null = null;
  private draining: Promise<void> | null = null;
  private failedUntil = 0;
  /** Images of the message being sent (counted as dropped if flush gives up on it). */
  private inFlight = 0;
  /** Set by a flush that gave up: later failures of abandoned sends are not counted again. */
  private abandoned = false;
  private handshakes = 0;

  constructor(
    private readonly viewer: RemoteViewer,
    private readonly run: { owner: string; id: string }
  ) {
    if (!/^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/.test(viewer.serverKey))
      throw new Error(
        `viewer.serverKey must be the server's CURVE public key, 40 Z85 characters (the file ` +
          'curve/server.key.pub in the viewer home); got ' +
          `${viewer.serverKey.length} characters`
      );
  }

  enqueue(batch: StreamBatch): boolean {
    if (this.queue.length >= MAX_QUEUED_BATCHES || Date.now() < this.failedUntil) {
      this.report.dropped += batch.items.length;
      return false;
    }
    this.queue.push(batch);
    this.draining ??= this.drain().finally(() => (this.draining = null));
    return true;
  }

  async flush(timeoutMs: number): Promise<StreamReport> {
    const deadline = Date.now() + timeoutMs;
    while (this.draining && Date.now() < deadline)
      await Promise.race([this.draining, new Promise(r => setTimeout(r, 50))]);
    for (const left of this.queue.splice(0)) this.report.dropped += left.items.length;
    if (this.draining) {
      this.abandoned = true;
      this.report.dropped += this.inFlight;
      this.inFlight = 0; // counted once: a later flush while the send still hangs adds nothing
      this.note(
        this.handshakes === 0
          ? `no CURVE handshake with ${this.where} within ${timeoutMs} ms: wrong server key, or no viewer listens there (docs/security.md)`
          : `${this.where} did not answer within ${timeoutMs} ms`
      );
      this.socket?.close();
      this.socket = null;
    }
    return { ...this.report, errors: [...this.report.errors] };
  }

  async close(): Promise<void> {
    this.socket?.close();
    this.socket = null;
  }

  private get where(): string {
    return `viewer ${this.viewer.host}:${this.viewer.port}`;
  }

  private async drain(): Promise<void> {
    for (let batch = this.queue.shift(); batch; batch = this.queue.shift()) {
      // Messages as the local producer's: ≤ 50 images and ~64 MiB (OpenHCS mistake 9).
      for (const items of chunkItems(batch.items)) {
        this.inFlight = items.length;
        try {
          await this.send(batch, items);
          this.report.sent += items.length;
        } catch (error) {
          if (this.abandoned) return;
          this.report.dropped += items.length;
          this.note((error as Error).message);
          // A socket that timed out may still deliver a late reply: start afresh.
          this.socket?.close();
          this.socket = null;
          this.failedUntil = Date.now() + 2_000;
        }
      }
    }
  }

  private async send(batch: StreamBatch, items: StreamBatch['items']): Promise<void> {
    // Pixels as frames (no shared memory across machines), built as the local producer's.
    const { frames } = encodeChunk(batch, items, this.run, 'frames');
    const socket = this.connect();
    const where = this.where;
    const handshake = () =>
      this.handshakes === 0
        ? ' (no CURVE handshake: wrong server key, or no viewer listens there)'
        : '';
    await sendWithin(
      socket,
      [new Uint8Array(0), ...frames],
      SEND_TIMEOUT_MS,
      `sending to ${where}${handshake()}`
    ).catch((error: Error) => {
      throw new Error(`${error.message}${handshake()}`);
    });
    const reply = await receiveWithin(socket, REPLY_TIMEOUT_MS, `the reply of ${where}`).catch(
      (error: Error) => {
        throw new Error(`${error.message}${handshake()}`);
      }
    );
    const parsed = decodeJson(reply[reply.length - 1], BatchReplySchema, `reply of ${where}`);
    if (parsed.status === 'error') throw new Error(`${where} refused a batch: ${parsed.error}`);
  }

  private connect(): zmq.Dealer {
    if (this.socket) return this.socket;
    const mine = zmq.curveKeyPair();
    const socket = new zmq.Dealer({
      linger: 0,
      curveServerKey: this.viewer.serverKey,
      curvePublicKey: mine.publicKey,
      curveSecretKey: mine.secretKey
    });
    socket.connect(tcpEndpoint(this.viewer.host, this.viewer.port));
    // A handshake seen tells a wrong key (none ever completes) from a slow viewer.
    void (async () => {
      for await (const event of socket.events) if (event.type === 'handshake') this.handshakes++;
    })().catch(() => undefined);
    this.socket = socket;
    return socket;
  }

  private note(message: string): void {
    if (this.report.errors.length < 20) this.report.errors.push(message);
  }
}
