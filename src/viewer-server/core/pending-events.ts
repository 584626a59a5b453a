/**
 * What the browser has not been told yet, coalesced between two event flushes: one event per
 * changed layer and per plane slot, or the whole state when part of it went (layers removed).
 * Kept apart from ViewerCore so the ingest path only marks changes.
 */
import type { ViewerEvent, ViewerState } from '../../protocol/index.js';
import type { PlaneRef } from '../model/layer.js';
import type { LayerStore } from '../model/layer-store.js';
import type { RoiStore } from '../model/roi-store.js';

export class PendingEvents {
  private stateChanged = false;
  private cleared = false;
  private roisSent = 0;
  private readonly layers = new Set<string>();
  /** Layer key + plane slot → the slot's newest plane. */
  private readonly planes = new Map<string, PlaneRef>();

  /** A plane was stored into `layer` (a new one, or a replacement of its slot). */
  planeStored(layer: string, plane: PlaneRef): void {
    this.layers.add(layer);
    this.planes.set(`${layer}\u0000${plane.identity}`, plane);
  }

  /** Part of the state went (layers removed): clients get the whole state again. */
  stateReplaced(): void {
    this.stateChanged = true;
    this.forgetChanges();
  }

  /** Everything was cleared: clients hear 'cleared' with the new generation. */
  allCleared(): void {
    this.cleared = true;
    this.forgetChanges();
  }

  /** The events since the last call; `state` is asked only when the whole state is due. */
  take(layers: LayerStore, rois: RoiStore, state: () => ViewerState): ViewerEvent[] {
    const events: ViewerEvent[] = [];
    if (this.stateChanged) {
      // The whole state replaces a 'cleared' too: it carries the new generation.
      events.push({ type: 'state', state: state() });
    } else if (this.cleared) {
      events.push({ type: 'cleared', generation: layers.generation });
    }
    this.stateChanged = false;
    this.cleared = false;
    for (const key of this.layers) {
      const layer = layers.get(key);
      if (layer) events.push({ type: 'layer', layer: layer.info() });
    }
    for (const plane of this.planes.values()) {
      const layer = layers.get(plane.layer);
      if (layer)
        events.push({
          type: 'plane',
          layer: plane.layer,
          index: layer.indexOf(plane),
          revision: plane.revision
        });
    }
    this.forgetChanges();
    if (rois.revision !== this.roisSent) {
      this.roisSent = rois.revision;
      events.push({ type: 'rois', revision: rois.revision });
    }
    return events;
  }

  private forgetChanges(): void {
    this.layers.clear();
    this.planes.clear();
  }
}
