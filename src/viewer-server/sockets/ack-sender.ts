/**
 * Per-image acks for OpenHCS producers: zmqruntime's ImageAck as JSON on a PUSH socket to
 * the producer's ack port (7555 over TCP, `openhcs-zmq-7555.sock` over IPC; zmqruntime
 * ack_listener.py binds a PULL there). OpenHCS only counts them for its progress display
 * and never waits for them, so an ack is never worth slowing ingest: one PUSH per endpoint
 * (round robin over both would send half the acks where nobody listens), each ack offered
 * to each without waiting (timeout 0) from a bounded queue; what does not fit (no listener
 * for a while: HWM_ACKS wait for it) is dropped, counted. The listener starts in the
 * producer's first save_batch, so acks of its first batch wait in the pipe until it is up.
 */
import * as zmq from 'zeromq';

/** Acks waiting for the socket; beyond this they are dropped. */
export const MAX_QUEUED_ACKS = 4096;
/** Acks one endpoint keeps for a listener that is not (yet) there. */
export const HWM_ACKS = 1024;

export interface ImageAck {
  image_id: string;
  status: 'success' | 'error';
  error?: string;
}

export class AckSender {
  private readonly sockets: zmq.Push[];
  private readonly queue: string[] = [];
  private draining = false;
  sent = 0;
  dropped = 0;

  constructor(
    endpoints: string[],
    private readonly viewerPort: number
  ) {
    this.sockets = endpoints.map(endpoint => {
      const socket = new zmq.Push({ linger: 0, sendTimeout: 0, sendHighWaterMark: HWM_ACKS });
      socket.connect(endpoint);
      return socket;
    });
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

  /** One send at a time per socket (zeromq.js allows no concurrent sends); full: dropped. */
  private async drain(): Promise<void> {
    this.draining = true;
    while (this.queue.length > 0) {
      const message = this.queue.shift()!;
      let taken = false;
      for (const socket of this.sockets) {
        if (socket.closed) continue;
        try {
          await socket.send(message);
          taken = true;
        } catch {
          // this endpoint's pipe is full (nobody listened for HWM_ACKS acks)
        }
      }
      if (taken) this.sent++;
      else this.dropped++;
    }
    this.draining = false;
  }

  close(): void {
    this.queue.length = 0;
    for (const socket of this.sockets) socket.close();
  }
}
