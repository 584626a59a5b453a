/** What the server has received, for status, the `stats` event and the CLI. */
import type { Counters } from '../../protocol/index.js';
import type { SegmentRefusal } from '../../protocol/node/index.js';

export class IngestCounters implements Counters {
  /** Data messages received, malformed ones included. */
  messages = 0;
  /** Images stored. */
  images = 0;
  /** Pixel bytes stored. */
  bytes = 0;
  /** Images not stored: rejected items and the images of rejected messages. */
  dropped = 0;
  /** Malformed messages plus rejected items. */
  errors = 0;
  /** Shared-memory names not copied out, by reason (planted files show up here). */
  private readonly refused = new Map<SegmentRefusal, number>();

  private lastImages = 0;
  private lastTime = Date.now();

  snapshot(): Counters {
    return {
      messages: this.messages,
      images: this.images,
      bytes: this.bytes,
      dropped: this.dropped,
      errors: this.errors,
      segments_refused: [...this.refused.values()].reduce((a, b) => a + b, 0),
      segments_refused_reasons: Object.fromEntries(this.refused)
    };
  }

  refuseSegment(reason: SegmentRefusal): void {
    this.refused.set(reason, (this.refused.get(reason) ?? 0) + 1);
  }

  /** Images per second since the previous call. */
  rate(now = Date.now()): number {
    const seconds = Math.max(0.001, (now - this.lastTime) / 1000);
    const rate = (this.images - this.lastImages) / seconds;
    this.lastImages = this.images;
    this.lastTime = now;
    return rate;
  }
}
