/**
 * Computes, while the server idles, each stored plane's level sized to the plate grid
 * (≤ GRID_LEVEL_SIDE px, chooseLevel), so that the grid's api/thumbnails reply reads
 * cached levels instead of downsampling every full plane then (288 planes of 1024²: 1266 ms
 * cold, 123 ms warm; docs/benchmarks.md, issue 10). Smaller levels derive from it cheaply.
 *
 * It keeps out of ingest's way: it starts idleMs after the last data message ended and
 * yields to I/O after every plane, so a message arriving meanwhile waits at most one
 * plane's downsampling (~4 ms of CPU for 1024² uint16). Planes already spilled are
 * left to be computed on demand (no page-in), and warmed levels fill at most half of the
 * level cache, so the levels the browser asks for keep the rest. Intermediate levels are
 * computed in two reused scratch buffers: only the warmed level is kept.
 */
import type { WireDtype } from '../../protocol/index.js';
import { binShrink2, halvedSize } from '../../protocol/bin-shrink.js';
import { allocatedBytes } from './memory-cost.js';
import { chooseLevel, type LevelCache } from './plane-levels.js';
import type { PlaneShape, WirePixels } from './wire-pixels.js';

/** The grid asks ~40–120 px per well (a 96-well plate in a 1000 px panel: 80). */
export const GRID_LEVEL_SIDE = 128;

export interface WarmerOptions {
  /** Quiet time after the last data message before warming starts. */
  idleMs?: number;
  /** Warm the level for a display of this many px. */
  side?: number;
  /** Default: true unless PIPELINE_VIEWER_WARM_LEVELS=0. */
  enabled?: boolean;
}

interface Job {
  id: number;
  shape: PlaneShape;
  wire: WireDtype;
  level: number;
  /** The plane's full-size pixels in the wire dtype while in memory, else undefined. */
  read: () => WirePixels | undefined;
}

const ARRAYS = { uint8: Uint8Array, uint16: Uint16Array, float32: Float32Array } as const;

export class LevelWarmer {
  private readonly jobs = new Map<number, Job>();
  private readonly idleMs: number;
  private readonly side: number;
  private readonly enabled: boolean;
  private active = 0;
  private lastActive = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;
  private readonly scratch: ArrayBuffer[] = [new ArrayBuffer(0), new ArrayBuffer(0)];
  /** Levels warmed, and planes left to on-demand computing (spilled, or the cache half full). */
  warmed = 0;
  skipped = 0;

  constructor(
    private readonly levels: LevelCache,
    options: WarmerOptions = {}
  ) {
    this.idleMs = options.idleMs ?? 250;
    this.side = options.side ?? GRID_LEVEL_SIDE;
    // off only to measure what warming costs ingest (scripts/bench-level-warmer.mjs)
    this.enabled = options.enabled ?? process.env.PIPELINE_VIEWER_WARM_LEVELS !== '0';
  }

  /** Planes waiting to be warmed. */
  get pending(): number {
    return this.jobs.size;
  }

  /** Warm plane `id` later (levels of labels are not averages: only image dtypes come here). */
  add(id: number, shape: PlaneShape, wire: WireDtype, read: Job['read']): void {
    if (!this.enabled || !(wire in ARRAYS)) return;
    const level = chooseLevel(shape, this.side);
    if (level === 0) return;
    this.jobs.set(id, { id, shape, wire, level, read });
    this.schedule(this.idleMs);
  }

  forget(id: number): void {
    this.jobs.delete(id);
  }

  clear(): void {
    this.jobs.clear();
  }

  /** A data message is being handled: warming waits until IDLE_MS after the last one ends. */
  begin(): () => void {
    this.active++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.active--;
      this.lastActive = performance.now();
      this.schedule(this.idleMs);
    };
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.jobs.clear();
  }

  /** The next plane after pending I/O (a data message arriving now goes first). */
  private next(): void {
    if (this.closed || this.timer !== undefined || this.immediate !== undefined) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.run();
    });
    this.immediate.unref();
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined || this.closed || this.jobs.size === 0) return;
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.immediate = undefined;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, delayMs);
    this.timer.unref();
  }

  private run(): void {
    if (this.active > 0) return; // the message's end schedules the next run
    const wait = this.lastActive + this.idleMs - performance.now();
    if (wait > 0) return this.schedule(wait);
    const job = this.jobs.values().next().value;
    if (job) {
      this.jobs.delete(job.id);
      this.warm(job);
    }
    if (this.jobs.size === 0)
      this.scratch.fill(new ArrayBuffer(0)); // a plate's worth of rest
    else this.next();
  }

  private warm(job: Job): void {
    if (this.levels.has(job.id, job.level)) return;
    let [h, w] = job.shape;
    for (let k = 0; k < job.level; k++) [h, w] = [halvedSize(h), halvedSize(w)];
    const size = allocatedBytes(h * w * ARRAYS[job.wire as keyof typeof ARRAYS].BYTES_PER_ELEMENT);
    const full = this.levels.bytesHeld + size <= this.levels.maxBytes / 2 ? job.read() : undefined;
    if (full === undefined) {
      this.skipped++;
      return;
    }
    let src = full;
    [h, w] = job.shape;
    for (let k = 1; k <= job.level; k++) {
      const [oh, ow] = [halvedSize(h), halvedSize(w)];
      const into = k === job.level ? undefined : this.scratchView(k % 2, job.wire, oh * ow);
      src = binShrink2(src, h, w, job.wire, into);
      [h, w] = [oh, ow];
    }
    this.levels.put(job.id, job.level, src);
    this.warmed++;
  }

  private scratchView(slot: number, wire: WireDtype, length: number): WirePixels {
    const Array_ = ARRAYS[wire as keyof typeof ARRAYS];
    const bytes = length * Array_.BYTES_PER_ELEMENT;
    if (this.scratch[slot].byteLength < bytes) this.scratch[slot] = new ArrayBuffer(bytes);
    return new Array_(this.scratch[slot], 0, length);
  }
}
