/**
 * Layers that outlive the server: at start the layer store's planes are replayed into the
 * LayerStore (their pixels stay on disk until asked for); while running, every stored
 * plane is saved with what rebuilds it (ingest/saved-plane.ts), and the store is kept
 * within its size bound by removing the layers changed longest ago, a log line each.
 */
import { bytesPerElement } from '../../protocol/index.js';
import { readSavedPlane } from '../ingest/saved-plane.js';

type Restorable = Exclude<ReturnType<typeof readSavedPlane>, string>;
import type { PlaneRef } from '../model/layer.js';
import type { LayerStore } from '../model/layer-store.js';
import { STORED_PLANE_OVERHEAD, type PlaneStore } from '../pixels/plane-store.js';
import type { SpillStore } from '../pixels/spill-store.js';
import { LimitedLog } from './limited-log.js';

/** How long a starting server waits for a stopping one to finish saving into the store. */
const LOCK_WAIT_MS = 20_000;

export interface RestoreReport {
  layers: number;
  planes: number;
  bytes: number;
  /** Planes skipped, one line each (truncated chunk, unreadable attributes, over a limit). */
  problems: string[];
  ms: number;
}

export class LayerPersistence {
  private readonly overLimit: LimitedLog;

  constructor(
    private readonly layers: LayerStore,
    private readonly planes: PlaneStore,
    private readonly spill: SpillStore,
    /** Frees a plane's pixels and levels (ViewerCore.forgetPlane). */
    private readonly forget: (plane: PlaneRef) => void,
    private readonly log: (line: string) => void,
    readonly limitBytes: number
  ) {
    this.overLimit = new LimitedLog(log, 'lines about a layer over the store limit');
  }

  /** Loads what the last server on this store held (`fresh`: deletes it instead). */
  async restore(fresh: boolean): Promise<RestoreReport> {
    const started = performance.now();
    const contents = await this.spill.open({ fresh, lockWaitMs: LOCK_WAIT_MS });
    const problems = [...contents.problems];
    if (contents.cleared > 0)
      this.log(
        `store: ${contents.cleared} plane(s) a Clear had not finished deleting were removed`
      );
    if (contents.unfinished > 0)
      this.log(
        `store: ${contents.unfinished} plane(s) a stopped server had not finished writing were removed`
      );
    const readable: { id: number; byteLength: number; read: Restorable }[] = [];
    for (const stored of contents.planes) {
      const read = readSavedPlane(stored.attributes, stored.shape);
      const why =
        typeof read === 'string'
          ? read
          : read.image.dtype !== stored.dtype
            ? `its attributes say ${read.image.dtype}, its array ${stored.dtype}`
            : null;
      if (why !== null || typeof read === 'string') {
        // one line per plane: a store a crash damaged says exactly what was lost
        problems.push(`plane p${stored.id}: ${why}; skipped and removed`);
        await this.spill.delete(stored.id);
        continue;
      }
      readable.push({ id: stored.id, byteLength: stored.byteLength, read });
    }
    readable.sort((a, b) => a.read.saved.revision - b.read.saved.revision);
    for (const { id, byteLength, read } of readable) {
      const { saved, image, config } = read;
      try {
        const change = this.layers.restore(image, config, saved.key, id, saved.revision);
        this.planes.adopt(id, image.dtype, image.shape, byteLength, saved);
        if (saved.kept) change.plane.kept = true;
        // Two saved planes of one slot (killed between saving one and deleting the other).
        if (change.replaced) this.forget(change.replaced);
      } catch (err) {
        problems.push(
          `plane p${id} of layer ${saved.key}: ${(err as Error).message}; skipped and removed`
        );
        await this.spill.delete(id);
      }
    }
    for (const line of problems) this.log(`store: ${line}`);
    const report: RestoreReport = {
      layers: this.layers.list().length,
      planes: this.layers.list().reduce((n, layer) => n + layer.imageCount, 0),
      bytes: this.planes.saveStats().stored_bytes,
      problems,
      ms: Math.round(performance.now() - started)
    };
    this.log(
      `store: ${fresh ? 'started fresh' : `restored ${report.layers} layer(s), ${report.planes} plane(s) (${report.bytes} bytes)`} from ${this.spill.storeDir} in ${report.ms} ms`
    );
    this.enforceLimit();
    return report;
  }

  /**
   * Called by Clear before the planes are removed: the store forgets all of them even if the
   * server is killed while their files are being deleted. A failed write is logged (the
   * planes then may come back after a kill, as before).
   */
  cleared(): void {
    try {
      this.spill.markCleared(this.layers.lastPlaneId);
    } catch (err) {
      this.log(
        `store: could not mark the Clear in ${this.spill.storeDir}: ${(err as Error).message}`
      );
    }
  }

  /** Throws when one image alone would not fit the store's bound. */
  checkFits(planes: readonly { byteLength: number }[], path: string): void {
    const bytes = planes.reduce((n, p) => n + p.byteLength + STORED_PLANE_OVERHEAD, 0);
    if (bytes > this.limitBytes)
      throw new Error(
        `image ${path} needs ${bytes} bytes in the layer store, over its limit of ${this.limitBytes} bytes; raise --store-limit`
      );
  }

  /**
   * Removes whole layers, least recently changed first, until the store fits its bound; the
   * layer changed last stays (it is being written). Returns the keys removed.
   */
  enforceLimit(): string[] {
    const removed: string[] = [];
    let stored = this.planes.saveStats().stored_bytes;
    if (stored <= this.limitBytes) return removed;
    // A plate opened from disk holds no stored bytes: removing it would free nothing.
    const byAge = this.layers
      .list()
      .filter(layer => layer.origin !== 'disk')
      .sort((a, b) => a.revision - b.revision);
    const newest = byAge.pop();
    for (const layer of byAge) {
      if (stored <= this.limitBytes) break;
      const planes = this.layers.removeLayer(layer.key);
      const bytes = planes.reduce((n, p) => n + planeBytes(p), 0);
      for (const plane of planes) this.forget(plane);
      stored = this.planes.saveStats().stored_bytes;
      removed.push(layer.key);
      this.log(
        `store: removed layer ${JSON.stringify(layer.key)} (${planes.length} plane(s), ${bytes} bytes, the least recently changed) to keep the layer store within --store-limit ${this.limitBytes} bytes`
      );
    }
    if (stored > this.limitBytes && newest)
      this.overLimit.line(
        `store: layer ${JSON.stringify(newest.key)} alone takes ${stored} bytes, over --store-limit ${this.limitBytes}; it stays until cleared (raise --store-limit)`
      );
    return removed;
  }
}

function planeBytes(plane: PlaneRef): number {
  return plane.shape[0] * plane.shape[1] * bytesPerElement(plane.dtype) + STORED_PLANE_OVERHEAD;
}
