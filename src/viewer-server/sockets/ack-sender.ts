/**
 * Per-image acks for OpenHCS producers: zmqruntime's ImageAck as JSON on a PUSH socket to
 * the producer's ack port (7555 over TCP, `openhcs-zmq-7555.sock` over IPC; zmqruntime
 * ack_listener.py binds a PULL there). OpenHCS only counts them for its progress display
 * and never waits for them, so an ack is never worth slowing ingest: the socket queues to
 * connected peers only (immediate), sends without waiting (timeout 0) from a bounded
 * queue, and drops what does not fit, counted.
 */
import * as zmq from 'zeromq';

/** Acks waiting for the socket; beyond this they are dropped. */
export const MAX_QUEUED_ACKS = 4096;

export interface ImageAck {
  image_id: string;
  status: 'success' | 'error';
  error?: string;
}

export class AckSender {
  private readonly socket: zmq.Push;
  private readonly queue: string[] = [];
  private draining = false;
  sent = 0;
  dropped = 0;

  constructor(
    endpoints: string[],
    private readonly viewerPort: number
  ) {
    this.socket = new zmq.Push({
      immediate: true,
      linger: 0,
      sendTimeout: 0,
      sendHighWaterMark: 1024
    });
    for (const endpoint of endpoints) this.socket.connect(endpoint);
  }

  /** Queue acks for the images of one batch; returns at once. */
  send(acks: readonly ImageAck[]): void {
    const timestamp = Date.now() / 1000;
    for (const ack of acks) {
      if (this.queue.length >= MAX_QUEUED_ACKS) {
        this.dropped++;
        continue;
      }
      this.queue.push(
        JSON.stringify({
          type: 'image_ack',
          image_id: ack.image_id,
          viewer_port: this.viewerPort,
          viewer_type: 'napari',
          status: ack.status,
          timestamp,
          ...(ack.error !== undefined ? { error: ack.error.slice(0, 500) } : {})
        })
      );
    }
    if (!this.draining) void this.drain();
  }

  /** One send at a time (zeromq.js allows no concurrent sends); no peer: dropped. */
  private async drain(): Promise<void> {
    this.draining = true;
    while (this.queue.length > 0 && !this.socket.closed) {
      const message = this.queue.shift()!;
      try {
        await this.socket.send(message);
        this.sent++;
      } catch {
        this.dropped++;
      }
    }
    this.draining = false;
  }

  close(): void {
    this.queue.length = 0;
    this.socket.close();
  }
}
