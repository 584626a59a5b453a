/**
 * The server's state behind its sockets: ingests data messages into the LayerStore and
 * PlaneStore, serves planes at a level (plane-request.ts finds them), and collects the
 * changes the browser is told about. Transports live in sockets/; this one knows none.
 */
import {
  binShrink,
  type BatchReply,
  type Dtype,
  type WireDtype,
  type ImageItem,
  type LayerSummary,
  type PlanePosition,
  type RunTag,
  type ViewerEvent,
  type ViewerState
} from '../../protocol/index.js';
import { readBatch } from '../ingest/batch-pixels.js';
import { imagePlanes } from '../ingest/image-planes.js';
import { savedPlane } from '../ingest/saved-plane.js';
import { unlinksSettled } from '../ingest/segment-copy.js';
import type { Layer, PlaneRef } from '../model/layer.js';
import { LayerStore, type LayerConfig } from '../model/layer-store.js';
import { RoiStore } from '../model/roi-store.js';
import { GarbageMeter } from '../pixels/garbage-meter.js';
import { PlaneBufferPool } from '../pixels/plane-buffer-pool.js';
import { LevelWarmer } from '../pixels/level-warmer.js';
import { chooseLevel, LevelCache, levelShape } from '../pixels/plane-levels.js';
import { PlaneStore, type PlaneLease } from '../pixels/plane-store.js';
import { SpillStore } from '../pixels/spill-store.js';
import {
  padPixels,
  toWirePixels,
  type PlaneShape,
  type WirePixels
} from '../pixels/wire-pixels.js';
import { IngestCounters } from './counters.js';
import { DiskPlates } from './disk-plates.js';
import { keepRun, type KeptRun } from './keep-run.js';
import { LayerPersistence, type RestoreReport } from './layer-persistence.js';
import { LimitedLog } from './limited-log.js';
import { PendingEvents } from './pending-events.js';
import { findPlane, PlaneRequestError, type ServedPlane } from './plane-request.js';
import { SavedPlates } from './saved-plates.js';

export interface ViewerCoreOptions {
  memoryBudgetBytes: number;
  storeDir: string;
  /** Bound on the layer store on disk; the layers changed longest ago go first. */
  storeLimitBytes?: number;
  log?: (line: string) => void;
  /**
   * Told, per batch, the outcome of each image of an OpenHCS producer (metadata.producer_title
   * set): the server acks them to OpenHCS's ack port (sockets/ack-sender.ts).
   */
  imageOutcomes?: (outcomes: ImageOutcome[]) => void;
  /** plate-source-main.js to fork for plates opened from disk (default: beside lib/). */
  plateSourceScript?: string;
}

export interface ImageOutcome {
  image_id: string;
  status: 'success' | 'error';
  error?: string;
}

const MIB = 1024 ** 2;
/** Longest a message waits for the spill of earlier ones (then it is stored over budget):
 * well within the 10 s producers wait for a reply. */
const SETTLE_MS = 5_000;
/** Longest a stopping server keeps saving planes not yet in the layer store. */
const SAVE_AT_CLOSE_MS = 20_000;

export class ViewerCore {
  readonly layers = new LayerStore();
  readonly planes: PlaneStore;
  readonly counters = new IngestCounters();
  readonly startedAt = Date.now() / 1000;
  private readonly spill: SpillStore;
  /** Saves every plane with its layer, restores them at start, bounds the store's size. */
  readonly persistence: LayerPersistence;
  private readonly levels: LevelCache;
  /** OpenHCS's ROI items: overlays of the layers (api/rois). */
  readonly rois = new RoiStore();
  /** Computes each plane's grid-sized level while no data message is handled. */
  readonly warmer: LevelWarmer;
  /** Plates shown from disk: their planes are read from their source when served. */
  readonly disk: DiskPlates;
  /** The plates open from disk, remembered in the layer store and reopened at start. */
  private readonly savedPlates: SavedPlates;
  private readonly pool: PlaneBufferPool;
  private readonly garbage: GarbageMeter;
  private readonly log: (line: string) => void;
  private readonly imageOutcomes?: (outcomes: ImageOutcome[]) => void;
  /** Lines about refused input: any peer can cause them, so they are rate-limited. */
  private readonly refusals: LimitedLog;
  /** Part of the state was removed (clearOwner): clients get the whole state again. */
  /** Lines about planes of another owner replaced: one per batch, so rate-limited too. */
  private readonly replacements: LimitedLog;
  private readonly pending = new PendingEvents();

  constructor(options: ViewerCoreOptions) {
    this.log = options.log ?? (() => {});
    this.imageOutcomes = options.imageOutcomes;
    this.refusals = new LimitedLog(this.log, 'lines about refused messages, images or segments');
    this.replacements = new LimitedLog(this.log, 'lines about replaced planes of other runs');
    this.spill = new SpillStore(options.storeDir);
    const budget = options.memoryBudgetBytes;
    // Dropped buffers wait for the GC: at most a 16th of the budget of them.
    this.garbage = new GarbageMeter(Math.min(64 * MIB, Math.max(4 * MIB, budget / 16)));
    // Free buffers (for the next frames) and cached levels are carved out of the budget.
    this.pool = new PlaneBufferPool(Math.min(128 * MIB, Math.floor(budget / 16)), this.garbage);
    this.levels = new LevelCache(Math.min(256 * MIB, Math.floor(budget / 8)), this.garbage);
    this.planes = new PlaneStore(
      budget,
      this.spill,
      this.log,
      this.pool,
      [this.levels],
      this.garbage
    );
    this.persistence = new LayerPersistence(
      this.layers,
      this.planes,
      this.spill,
      plane => this.forgetPlane(plane),
      this.log,
      options.storeLimitBytes ?? Number.POSITIVE_INFINITY
    );
    this.warmer = new LevelWarmer(this.levels);
    this.disk = new DiskPlates(this.layers, this.log, options.plateSourceScript);
    this.savedPlates = new SavedPlates(this.spill, this.disk, this.log);
  }

  /** Shows the plate folder `dir` as a layer from disk; resolves to its key (disk-plates.ts). */
  async openPlate(dir: string): Promise<string> {
    const key = await this.disk.open(dir);
    this.savedPlates.save();
    this.pending.stateReplaced(); // clients read the whole state, the new layer with it
    return key;
  }

  /**
   * Handle one data message (frames after the routing envelope); always resolves to a reply,
   * once the pixels are copied and the message's segments unlinked.
   */
  async ingest(frames: readonly Uint8Array[]): Promise<BatchReply> {
    const ended = this.warmer.begin();
    try {
      return await this.ingestMessage(frames);
    } finally {
      ended();
    }
  }

  private async ingestMessage(frames: readonly Uint8Array[]): Promise<BatchReply> {
    this.counters.messages++;
    // Backpressure: store a message only once earlier planes were spilled down to the budget
    // less its raw frames (already in memory) and its segment copies (made right after), so
    // a fast producer cannot outrun the disk. The header is read (once) before the wait.
    const read = readBatch(frames, {
      alloc: nbytes => this.pool.take(nbytes),
      maxCopyBytes: this.planes.budgetBytes,
      log: line => this.refusals.line(line)
    });
    const rawBytes = frames.slice(1).reduce((n, frame) => n + frame.byteLength, 0);
    const incoming = rawBytes + ('error' in read ? 0 : read.segmentBytes);
    if (!(await this.planes.settle(SETTLE_MS, incoming)))
      this.log(`memory: spilling did not finish within ${SETTLE_MS} ms; storing over budget`);
    // What that spill dropped is freed before the copy, not after it.
    if (!('error' in read)) await this.garbage.collectBefore(read.segmentBytes);
    const decoded = 'error' in read ? read : read.copy();
    if ('error' in decoded) {
      this.counters.errors++;
      this.refusals.line(`rejected message: ${decoded.error}`);
      await decoded.unlinked;
      return { status: 'error', type: 'batch', error: decoded.error };
    }
    const { batch, images, rejected, total, unlinked, rois } = decoded;
    const errors = rejected.map(r => r.error);
    for (const r of rejected) if (r.segment) this.counters.refuseSegment(r.segment);
    const config: LayerConfig = {
      display: batch.display_config,
      names: batch.component_names_metadata,
      layerName: batch.layer_name,
      pixelSize: batch.pixel_size,
      run: batch.run,
      domain: batch.component_value_domain
    };
    let accepted = 0;
    const outcomes: ImageOutcome[] = [];
    const outcome = (item: ImageItem, error?: string): void => {
      if (this.imageOutcomes && item.metadata.producer_title !== undefined)
        outcomes.push({ image_id: item.image_id, status: error ? 'error' : 'success', error });
    };
    for (const r of rejected) {
      const item = batch.images[r.index];
      if (item?.path === r.path) outcome(item, r.error);
    }
    const replacedOwners = new Map<string, number>();
    for (const { item, bytes } of images) {
      try {
        const planes = imagePlanes(item, bytes);
        this.planes.assertRoom(planes.length);
        this.persistence.checkFits(
          planes.map(p => p.bytes),
          item.path
        );
        // All planes of the image or none (LimitError names the bound it would exceed).
        const changes = this.layers.addImage(
          planes.map(p => p.plane),
          config
        );
        changes.forEach((change, i) => {
          const { plane, bytes: planeBytes } = planes[i];
          const saved = savedPlane(change.layer.key, change.plane, plane, config);
          this.planes.put(change.plane.id, plane.dtype, plane.shape, planeBytes, saved);
          if (change.layer.kind !== 'labels')
            this.warm(change.plane.id, plane.dtype, plane.shape, change.layer.wireDtype);
          if (change.replaced) {
            this.forgetPlane(change.replaced);
            if (change.replaced.run?.owner !== batch.run?.owner) {
              const other = ownerName(change.replaced.run);
              replacedOwners.set(other, (replacedOwners.get(other) ?? 0) + 1);
            }
          }
          this.pending.planeStored(change.layer.key, change.plane);
        });
        accepted++;
        outcome(item);
        this.counters.images++;
        this.counters.bytes += bytes.byteLength;
      } catch (err) {
        errors.push(`image ${item.path}: ${(err as Error).message}`);
        outcome(item, (err as Error).message);
      }
    }
    for (const { item } of rois) {
      this.rois.add(item, batch.display_config, batch.layer_name);
      accepted++;
    }
    if (accepted > 0 && this.persistence.enforceLimit().length > 0) this.pending.stateReplaced();
    const rejectedCount = total - accepted;
    this.counters.dropped += rejectedCount;
    this.counters.errors += errors.length;
    if (errors.length > 0)
      this.refusals.line(`batch: ${errors.length} image(s) rejected:\n  ${errors.join('\n  ')}`);
    const replaced = [...replacedOwners.values()].reduce((a, b) => a + b, 0);
    if (replaced > 0) {
      const whose = [...replacedOwners].map(([owner, n]) => `${n} of ${owner}`).join(', ');
      this.replacements.line(
        `batch of ${ownerName(batch.run)} replaced ${replaced} plane(s) made by another producer: ${whose}`
      );
    }
    await unlinked;
    if (outcomes.length > 0) this.imageOutcomes?.(outcomes);
    if (accepted === 0 && rejectedCount > 0) {
      return {
        status: 'error',
        type: 'batch',
        error: `no image stored: ${errors.slice(0, 5).join('; ')}`
      };
    }
    return {
      status: 'success',
      type: 'batch',
      accepted,
      rejected: rejectedCount,
      ...(replaced > 0 ? { replaced } : {})
    };
  }

  /**
   * Removes the planes of `owner`'s runs other than `exceptRun` (and layers left empty);
   * other owners' planes stay. Clients get the new state at the next event flush.
   */
  clearOwner(owner: string, exceptRun?: string): { planes: number; layers: number } {
    const { planes, layers } = this.layers.clearOwner(owner, exceptRun);
    for (const plane of planes) this.forgetPlane(plane);
    if (planes.length > 0) {
      this.pending.stateReplaced();
      this.log(
        `cleared ${planes.length} plane(s) and ${layers.length} layer(s) of ${owner}` +
          `${exceptRun ? ` (runs other than ${exceptRun})` : ''} (generation ${this.layers.generation})`
      );
    }
    return { planes: planes.length, layers: layers.length };
  }

  /**
   * Opens the layer store: the layers and plates from disk the last server on it held come
   * back (`fresh`: it is emptied instead). Throws StoreVersionError (store left untouched) or
   * StoreBusyError.
   */
  async open(fresh = false): Promise<RestoreReport> {
    const report = await this.persistence.restore(fresh);
    await this.savedPlates.reopen();
    return report;
  }

  /**
   * Keeps the run that made layer `key` (compare runs, keep-run.ts); its layers are renamed
   * and saved so. Throws KeepRunError (404/409).
   */
  keepRun(key: string): KeptRun {
    const kept = keepRun(this.layers, key);
    for (const { to } of kept.layers) {
      for (const plane of this.layers.get(to)!.planeRefs()) {
        const saved = this.planes.attributesOf(plane.id);
        if (saved !== undefined && typeof saved === 'object')
          this.planes.setAttributes(plane.id, { ...saved, key: to, kept: true });
      }
    }
    if (kept.layers.length > 0) this.pending.stateReplaced();
    this.log(
      `kept ${kept.label} of ${JSON.stringify(kept.run.owner)}: ${kept.layers.map(l => `${l.from} → ${l.to}`).join(', ') || 'no layer'}${kept.skipped.length ? `; not kept (planes of other runs too): ${kept.skipped.join(', ')}` : ''}`
    );
    return kept;
  }

  clear(): void {
    this.disk.closeAll();
    this.savedPlates.save(); // none: a restart reopens no plate
    this.persistence.cleared(); // durable before the first file is deleted
    for (const plane of this.layers.clear()) this.planes.remove(plane.id);
    this.levels.clear();
    this.rois.clear();
    this.warmer.clear();
    this.pending.allCleared();
    this.log(`cleared (generation ${this.layers.generation})`);
  }

  /**
   * Level `level` of a disk plane from its stored level `base`: halved by the plate source
   * when its dtype is the wire dtype (the same bin-shrink, so the same pixels), else here.
   */
  private async diskLevel(
    layer: Layer,
    plane: PlaneRef,
    base: number,
    level: number
  ): Promise<WirePixels> {
    const wire = layer.wireDtype;
    const bins = plane.dtype === wire ? level - base : 0;
    const read = await this.disk.readBinned(layer, plane, base, bins);
    const { pixels, shape } = binShrink(
      toWirePixels(plane.dtype, read.bytes, wire),
      read.shape[0],
      read.shape[1],
      wire,
      level - base - read.binned
    );
    const [h, w] = shape;
    const [eh, ew] = levelShape(plane.shape, level);
    if (h !== eh || w !== ew || pixels.length !== eh * ew)
      throw new Error(
        `the plate source of layer ${layer.key} sent a ${h}×${w} plane (${pixels.length} pixels) for level ${level}, expected ${eh}×${ew}`
      );
    return pixels;
  }

  summaries(): LayerSummary[] {
    return this.layers.list().map(layer => layer.summary());
  }

  state(pid = process.pid): ViewerState {
    return {
      pid,
      started_at: this.startedAt,
      generation: this.layers.generation,
      layers: this.layers.list().map(layer => layer.info()),
      rois_revision: this.rois.revision
    };
  }

  /** [h, w] of what plane() serves for layer `key` at `max` (api/thumbnails bounds its reply by it). */
  servedShape(key: string, max: number): [number, number] | undefined {
    const layer = this.layers.get(key);
    return layer && levelShape(layer.shape, chooseLevel(layer.shape, max));
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
    let lease: PlaneLease | undefined;
    let full: WirePixels | undefined;
    let pixels: WirePixels;
    // A plate on disk that stores this level (OME-Zarr multiscales) serves it from its files.
    const fromFiles = this.disk.has(layer)
      ? this.disk.storedLevel(layer, levelShape(plane.shape, level))
      : undefined;
    // Below its deepest stored level, a disk plane is binned from that level, not level 0,
    // by its source when it can (only the binned bytes cross to the server).
    const base = this.disk.has(layer) ? this.disk.deepestStoredLevel(layer, plane.shape, level) : 0;
    const sourceBins =
      fromFiles === undefined && this.disk.has(layer) && level > base && layer.kind !== 'labels';
    try {
      if (fromFiles !== undefined)
        pixels = toWirePixels(plane.dtype, await this.disk.read(layer, plane, fromFiles), wire);
      else if (sourceBins)
        pixels = await this.levels.cached(plane.id, level, () =>
          this.diskLevel(layer, plane, base, level)
        );
      else
        pixels = await this.levels.level(
          plane.id,
          plane.shape,
          wire,
          level,
          async () => {
            if (this.disk.has(layer)) {
              full = toWirePixels(plane.dtype, await this.disk.read(layer, plane, base), wire);
              return full;
            }
            lease = await this.planes.get(plane.id);
            if (lease === undefined)
              throw new PlaneRequestError(
                `plane of layer ${key} at [${index}] was replaced meanwhile`,
                404
              );
            full = toWirePixels(plane.dtype, lease.bytes, wire);
            return full;
          },
          layer.kind === 'labels',
          base
        );
    } catch (err) {
      lease?.release();
      throw err;
    }
    const [h, w] = levelShape(plane.shape, level);
    const shape = levelShape(layer.shape, level);
    const served = padPixels(pixels, h, w, shape[0], shape[1]);
    // The stored bytes stay lent only while the response sends them; buffers made for this
    // request alone (a conversion, padding, an uncached level) are garbage after it.
    const stored = lease?.bytes.buffer;
    if (served.buffer !== stored) lease?.release();
    const converted = full as WirePixels | undefined;
    if (converted && converted.buffer !== stored && converted.buffer !== served.buffer)
      this.garbage.dropped(converted.byteLength); // only read to compute a level or to pad
    const temporary =
      served.buffer !== stored && !this.levels.holds(plane.id, level, served)
        ? served.byteLength
        : 0;
    let done = false;
    return {
      pixels: served,
      shape,
      dtype: wire,
      level,
      revision: plane.revision,
      release: () => {
        if (done) return;
        done = true;
        lease?.release();
        if (temporary > 0) this.garbage.dropped(temporary);
      }
    };
  }

  /** Events for the browser since the last call, coalesced: one per layer, one per plane slot. */
  takeEvents(): ViewerEvent[] {
    return this.pending.take(this.layers, this.rois, () => this.state());
  }

  async close(): Promise<void> {
    this.disk.close(); // and its spare source
    this.warmer.close();
    this.refusals.flush();
    this.replacements.flush();
    await unlinksSettled();
    const unsaved = await this.planes.close(SAVE_AT_CLOSE_MS);
    if (unsaved > 0)
      this.log(`store: ${unsaved} plane(s) not saved within ${SAVE_AT_CLOSE_MS} ms; they are lost`);
    this.spill.close(); // the store stays for the next server (Clear empties it)
  }

  private forgetPlane(plane: PlaneRef): void {
    this.planes.remove(plane.id);
    this.levels.forget(plane.id);
    this.warmer.forget(plane.id);
  }

  /** Queue a stored plane's grid level; read only while its bytes are in memory. */
  private warm(id: number, dtype: Dtype, shape: PlaneShape, wire: WireDtype): void {
    this.warmer.add(id, shape, wire, () => {
      const bytes = this.planes.peek(id);
      return bytes && toWirePixels(dtype, bytes, wire);
    });
  }
}

/** An owner as the log names it. */
function ownerName(run: RunTag | undefined): string {
  return run ? JSON.stringify(run.owner) : 'an untagged producer';
}
