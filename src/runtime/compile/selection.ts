/**
 * Materialization-aware selection (the seed's "only stream files that would be
 * materialized"): for one step in one well, which outputs a viewer receives.
 *   1. main outputs, when the step writes to disk or zarr (the last step);
 *   2. checkpoint outputs, when the step's materialization config selects this well;
 *   then the streaming config's well filter. A memory-only step selects nothing.
 */
import type { PersistentBackend } from '../model/materialization-config.js';
import type { StreamingConfig } from '../model/streaming-config.js';
import { applyWellFilter } from '../model/well-filter.js';

export type StorageBackendName = 'memory' | PersistentBackend;

export interface OutputTarget {
  kind: 'main' | 'checkpoint';
  backend: PersistentBackend;
  dir: string;
}

export interface StreamSelection {
  step: string;
  stepIndex: number;
  well: string;
  /** `<kind>:<port>` of the required visualizer that receives it. */
  visualizer: string;
  /**
   * Materialized places of this step's outputs in this well. When both exist they hold the
   * same planes; each plane is streamed once, under the path of the first target (main).
   */
  targets: OutputTarget[];
}

export interface SelectionInput {
  step: string;
  stepIndex: number;
  well: string;
  plateWells: readonly string[];
  streaming: StreamingConfig;
  writeBackend: StorageBackendName;
  outputDir: string;
  /** Checkpoint of this step in this well (already filtered by the materialization config). */
  checkpoint: { dir: string; backend: PersistentBackend } | null;
}

export function visualizerKey(port: number): string {
  return `pipeline-viewer:${port}`;
}

/** The selection of one step in one well, or null when it streams nothing. */
export function selectStreamedOutputs(input: SelectionInput): StreamSelection | null {
  const { streaming } = input;
  if (!streaming.enabled) return null;
  const streamedWells = applyWellFilter(
    input.plateWells,
    streaming.well_filter,
    streaming.well_filter_mode
  );
  if (!streamedWells.includes(input.well)) return null;
  const targets: OutputTarget[] = [];
  if (input.writeBackend !== 'memory') {
    targets.push({ kind: 'main', backend: input.writeBackend, dir: input.outputDir });
  }
  if (input.checkpoint) targets.push({ kind: 'checkpoint', ...input.checkpoint });
  if (targets.length === 0) return null;
  return {
    step: input.step,
    stepIndex: input.stepIndex,
    well: input.well,
    visualizer: visualizerKey(streaming.port),
    targets
  };
}
