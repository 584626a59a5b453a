/**
 * "Keep this run", to compare two runs of one pipeline: the layers a run made are renamed
 * `<key> (run N)` and marked kept, so the next run streams into fresh layers of the old names
 * instead of replacing them, and clear_owner leaves the kept ones alone. The panel then shows
 * both, with the same axes (well, channel, z), to toggle or show side by side. Nothing is
 * copied: planes keep their ids and pixels; the layer store rewrites their metadata only.
 */
import type { RunTag } from '../../protocol/index.js';
import type { Layer, PlaneRef } from '../model/layer.js';
import type { LayerStore } from '../model/layer-store.js';

/** A keep that cannot be done: 404 no such layer, 409 nothing to keep. */
export class KeepRunError extends Error {
  override name = 'KeepRunError';
  constructor(
    message: string,
    readonly status: 404 | 409
  ) {
    super(message);
  }
}

export interface KeptRun {
  run: RunTag;
  /** `run N`, the suffix of the kept layers' names. */
  label: string;
  layers: { from: string; to: string }[];
  /** Layers with planes of the run and of others too: left as they are. */
  skipped: string[];
}

function newestPlane(layer: Layer): PlaneRef | undefined {
  let newest: PlaneRef | undefined;
  for (const plane of layer.planeRefs())
    if (!newest || plane.revision > newest.revision) newest = plane;
  return newest;
}

/** Keeps the run that made the newest plane of layer `key` (every layer of it). */
export function keepRun(layers: LayerStore, key: string): KeptRun {
  const layer = layers.get(key);
  if (layer === undefined) throw new KeepRunError(`no layer ${JSON.stringify(key)}`, 404);
  const newest = newestPlane(layer);
  if (newest?.kept)
    throw new KeepRunError(`layer ${JSON.stringify(key)} is a kept run already`, 409);
  const run = newest?.run;
  if (run === undefined)
    throw new KeepRunError(
      `layer ${JSON.stringify(key)} was not made by a tagged run (OpenHCS producers and older runtimes send none), so no run can be kept`,
      409
    );
  const ofRun = (p: PlaneRef) => !p.kept && p.run?.owner === run.owner && p.run.id === run.id;
  const made = layers.list().filter(l => [...l.planeRefs()].some(ofRun));
  const whole = made.filter(l => [...l.planeRefs()].every(ofRun));
  let n = 1;
  while (whole.some(l => layers.get(`${l.key} (run ${n})`) !== undefined)) n++;
  const label = `run ${n}`;
  const renamed = whole.map(l => {
    const from = l.key;
    return { from, to: layers.renameLayer(from, `${from} (${label})`).key };
  });
  return {
    run,
    label,
    layers: renamed,
    skipped: made.filter(l => !whole.includes(l)).map(l => l.key)
  };
}
