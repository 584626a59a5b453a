/**
 * The server's state behind its sockets: ingests data messages into the LayerStore and
 * PlaneStore, serves planes at a level (plane-request.ts finds them), and collects the
 * changes the browser is told about. Transports live in sockets/; this one knows none.
 */
import {
  type BatchReply,
  type LayerSummary,
  type PlanePosition,
  type ViewerEvent,
  type ViewerState
} from '../../protocol/index.js';
import { batchPixels } from '../ingest/batch-pixels.js';
import { imagePlanes } from '../ingest/image-planes.js';
import { unlinksSettled } from '../ingest/segment-copy.js';
import type { PlaneRef } from '../model/layer.js';
import { LayerStore, type LayerConfig } from '../model/layer-store.js';
import { PlaneBufferPool } from '../pixels/plane-buffer-pool.js';
import { chooseLevel, LevelCache, levelShape } from '../pixels/plane-levels.js';
import { PlaneStore } from '../pixels/plane-store.js';
import { SpillStore } from '../pixels/spill-store.js';
import { padPixels, toWirePixels } from '../pixels/wire-pixels.js';
import { IngestCounters } from './counters.js';
import { findPlane, PlaneRequestError, type ServedPlane } from './plane-request.js';

export interface ViewerCoreOptions {
  memoryBudgetBytes: number;
  storeDir: string;
  log?: (line: string) => void;
}

export class ViewerCore {
  readonly layers = new LayerStore();
  readonly planes: PlaneStore;
  readonly counters = new IngestCounters();
  readonly startedAt = Date.now() / 1000;
  private readonly spill: SpillStore;
  private readonly levels: LevelCache;
  private readonly pool: PlaneBufferPool;
  private readonly log: (line: string) => void;
  private cleared = false;
  private readonly dirtyLayers = new Set<string>();
  private readonly dirtyPlanes = new Map<string, PlaneRef>();

  constructor(options: ViewerCoreOptions) {
    this.log = options.log ?? (() => {});
    this.spill = new SpillStore(options.storeDir);
    // Free buffers of replaced planes, enough for a few batches of 2048² frames.
    this.pool = new PlaneBufferPool(
      Math.min(128 << 20, Math.max(0, Math.floor(options.memoryBudgetBytes / 8)))
    );
    this.planes = new PlaneStore(options.memoryBudgetBytes, this.spill, this.log, this.pool);
    this.levels = new LevelCache(
      Math.max(16 << 20, Math.min(512 << 20, options.memoryBudgetBytes / 4))
    );
  }

  /**
   * Handle one data message (frames after the routing envelope); always resolves to a reply,
   * once the pixels are copied and the message's segments unlinked.
   */
  async ingest(frames: readonly Uint8Array[]): Promise<BatchReply> {
    this.counters.messages++;
    const decoded = batchPixels(frames, {
      alloc: nbytes => this.pool.take(nbytes),
      maxCopyBytes: this.planes.budgetBytes,
      log: this.log
    });
    if ('error' in decoded) {
      this.counters.errors++;
      this.log(`rejected message: ${decoded.error}`);
      await decoded.unlinked;
      return { status: 'error', type: 'batch', error: decoded.error };
    }
    const { batch, images, rejected, total, unlinked } = decoded;
    const errors = rejected.map(r => r.error);
    for (const r of rejected) if (r.segment) this.counters.refuseSegment(r.segment);
    const config: LayerConfig = {
      display: batch.display_config,
      names: batch.component_names_metadata,
      layerName: batch.layer_name
    };
    let accepted = 0;
    for (const { item, bytes } of images) {
      try {
        const planes = imagePlanes(item, bytes);
        // All planes of the image or none (LimitError names the bound it would exceed).
        const changes = this.layers.addImage(
          planes.map(p => p.plane),
          config
        );
        changes.forEach((change, i) => {
          const { plane, bytes: planeBytes } = planes[i];
          this.planes.put(change.plane.id, plane.dtype, plane.shape, planeBytes);
          if (change.replaced) this.forgetPlane(change.replaced);
          this.dirtyLayers.add(change.layer.key);
          this.dirtyPlanes.set(`${change.layer.key}\u0000${change.plane.identity}`, change.plane);
        });
        accepted++;
        this.counters.images++;
        this.counters.bytes += bytes.byteLength;
      } catch (err) {
        errors.push(`image ${item.path}: ${(err as Error).message}`);
      }
    }
    const rejectedCount = total - accepted;
    this.counters.dropped += rejectedCount;
    this.counters.errors += errors.length;
    if (errors.length > 0)
      this.log(`batch: ${errors.length} image(s) rejected:\n  ${errors.join('\n  ')}`);
    await unlinked;
    if (accepted === 0 && rejectedCount > 0) {
      return {
        status: 'error',
        type: 'batch',
        error: `no image stored: ${errors.slice(0, 5).join('; ')}`
      };
    }
    return { status: 'success', type: 'batch', accepted, rejected: rejectedCount };
  }

  clear(): void {
    for (const plane of this.layers.clear()) this.planes.remove(plane.id);
    this.levels.clear();
    this.dirtyLayers.clear();
    this.dirtyPlanes.clear();
    this.cleared = true;
    this.log(`cleared (generation ${this.layers.generation})`);
  }

  summaries(): LayerSummary[] {
    return this.layers.list().map(layer => layer.summary());
  }

  state(pid = process.pid): ViewerState {
    return {
      pid,
      started_at: this.startedAt,
      generation: this.layers.generation,
      layers: this.layers.list().map(layer => layer.info())
    };
  }

  /**
   * The plane of layer `key` at position `at` (axis name → value), at the level for a
   * display of `max` pixels. Throws PlaneRequestError (404/400) when there is none.
   */
  async plane(key: string, at: PlanePosition, max: number): Promise<ServedPlane> {
    // The lookup runs before the first await: no image can be ingested in between, so
    // the plane found is the one at `at` when the request arrived.
    const { layer, plane, index } = findPlane(this.layers, key, at);
    const wire = layer.wireDtype;
    const level = chooseLevel(layer.shape, max);
    const pixels = await this.levels.level(plane.id, plane.shape, wire, level, async () => {
      const bytes = await this.planes.get(plane.id);
      if (bytes === undefined)
        throw new PlaneRequestError(
          `plane of layer ${key} at [${index}] was replaced meanwhile`,
          404
        );
      return toWirePixels(plane.dtype, bytes, wire);
    });
    const [h, w] = levelShape(plane.shape, level);
    const shape = levelShape(layer.shape, level);
    return {
      pixels: padPixels(pixels, h, w, shape[0], shape[1]),
      shape,
      dtype: wire,
      level,
      revision: plane.revision
    };
  }

  /** Events for the browser since the last call, coalesced: one per layer, one per plane slot. */
  takeEvents(): ViewerEvent[] {
    const events: ViewerEvent[] = [];
    if (this.cleared) {
      events.push({ type: 'cleared', generation: this.layers.generation });
      this.cleared = false;
    }
    for (const key of this.dirtyLayers) {
      const layer = this.layers.get(key);
      if (layer) events.push({ type: 'layer', layer: layer.info() });
    }
    for (const plane of this.dirtyPlanes.values()) {
      const layer = this.layers.get(plane.layer);
      if (layer)
        events.push({
          type: 'plane',
          layer: plane.layer,
          index: layer.indexOf(plane),
          revision: plane.revision
        });
    }
    this.dirtyLayers.clear();
    this.dirtyPlanes.clear();
    return events;
  }

  async close(): Promise<void> {
    await unlinksSettled();
    await this.planes.close();
    await this.spill.destroy();
  }

  private forgetPlane(plane: PlaneRef): void {
    this.planes.remove(plane.id);
    this.levels.forget(plane.id);
  }
}
