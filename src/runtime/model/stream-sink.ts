/**
 * Contract between the orchestrator and the streaming producer: after each step the
 * orchestrator hands the selected (materialized) outputs of one well to a sink. `enqueue`
 * must return at once; sending happens asynchronously, and a full queue drops.
 */
import type {
  ComponentNames,
  DisplayConfig,
  ImageDataType,
  ImageMetadata,
  PixelSize
} from '../../protocol/index.js';
import type { NdArray } from './image-data.js';

export interface StreamItem {
  /** Path the output is materialized to (disk/zarr/checkpoint), used as its identity. */
  path: string;
  array: NdArray;
  metadata: ImageMetadata;
}

/** All selected outputs of one step in one well: one wire batch. */
export interface StreamBatch {
  step: string;
  well: string;
  items: StreamItem[];
  display: DisplayConfig;
  componentNames: ComponentNames;
  /** The plate's pixel size, for the viewer's scale bar; absent when the plate does not say. */
  pixelSize?: PixelSize;
  /** 'labels': the items are label images (a labels layer); default 'image'. */
  dataType?: ImageDataType;
}

export interface StreamReport {
  /** Images the server confirmed. */
  sent: number;
  /** Images given up on: queue full, server down, or timeout. */
  dropped: number;
  /**
   * Images sent whose reply had not come when the stream stopped waiting (a server too busy
   * to answer the flush's ping): the server may still store them; a later report counts
   * them as sent or dropped once the reply (or the channel's bound) settles them. Absent: 0.
   */
  unconfirmed?: number;
  errors: string[];
  /**
   * Stored planes of another run (another notebook, `show()`, program) that this stream's
   * images replaced, as the server counted them; absent when none.
   */
  replaced?: number;
  /** Data port streamed to, when it differs from the requested one or is known (viewer sink). */
  port?: number;
}

export interface StreamSink {
  /** Queue a batch without waiting; returns false when it was dropped at once. */
  enqueue(batch: StreamBatch): boolean;
  /** Wait at most `timeoutMs` for the queue to drain; what is left is counted as dropped. */
  flush(timeoutMs: number): Promise<StreamReport>;
  close(): Promise<void>;
}
