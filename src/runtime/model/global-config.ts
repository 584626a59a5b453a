/**
 * Settings of a whole session (OpenHCS's `GlobalPipelineConfig`) and of one pipeline. Both are
 * lazy: a field left unset falls through step → pipeline → global → built-in default when the
 * pipeline is compiled.
 */
import { availableParallelism } from 'node:os';
import type { LazyMaterializationConfig, PersistentBackend } from './materialization-config.js';
import type { LazyStreamingConfig } from './streaming-config.js';
import type { WellFilter, WellFilterMode } from './well-filter.js';

/** NGFF versions of OME-Zarr outputs (storage/zarr-backend.ts writes both). */
export type ZarrNgff = '0.4' | '0.5';

export interface GlobalConfig {
  /** Where outputs go; unset → `<plate folder>_outputs` beside the plate, as OpenHCS does. */
  output_dir?: string;
  /** Backend of the last step's (main) outputs. */
  output_backend?: PersistentBackend;
  /** OME-Zarr outputs: NGFF '0.4' on zarr v2 (default, what most readers know) or '0.5' on zarr v3. */
  zarr_ngff?: ZarrNgff;
  /** Wells to process at all (e.g. 2 for a quick try); unset processes every well. */
  well_filter?: WellFilter | null;
  well_filter_mode?: WellFilterMode;
  /** Worker threads for steps whose function lives in a module. */
  num_workers?: number;
  /** Wells processed at the same time. */
  well_concurrency?: number;
  /** How long `run` waits at the end for streamed batches to be confirmed. */
  stream_flush_timeout_ms?: number;
  /** Longest a step function may take on one group before its well fails (default 10 min). */
  step_timeout_ms?: number;
  /** Defaults for every step's streaming config. */
  streaming?: LazyStreamingConfig;
  /** Defaults for every step's materialization (checkpoint) config. */
  materialization?: LazyMaterializationConfig;
}

/** Pipeline-level settings: the same lazy fields, one level closer to the steps. */
export interface PipelineConfig {
  output_dir?: string;
  output_backend?: PersistentBackend;
  zarr_ngff?: ZarrNgff;
  well_filter?: WellFilter | null;
  well_filter_mode?: WellFilterMode;
  streaming?: LazyStreamingConfig;
  materialization?: LazyMaterializationConfig;
  step_timeout_ms?: number;
}

export interface RunSettings {
  output_dir: string;
  output_backend: PersistentBackend;
  zarr_ngff: ZarrNgff;
  num_workers: number;
  well_concurrency: number;
  stream_flush_timeout_ms: number;
  step_timeout_ms: number;
  well_filter: WellFilter | null;
  well_filter_mode: WellFilterMode;
}

/** Built-in defaults; `output_dir` depends on the plate, so the compiler fills it in. */
export function defaultRunSettings(plateRoot: string): RunSettings {
  const cores = availableParallelism();
  return {
    output_dir: `${plateRoot.replace(/[\\/]+$/, '')}_outputs`,
    output_backend: 'disk',
    zarr_ngff: '0.4',
    num_workers: Math.max(1, Math.min(4, cores - 1)),
    well_concurrency: Math.max(2, Math.min(4, cores)),
    stream_flush_timeout_ms: 10_000,
    step_timeout_ms: 600_000,
    well_filter: null,
    well_filter_mode: 'include'
  };
}
