/**
 * Per-step checkpoints (OpenHCS's `StepMaterializationConfig`): a step's outputs are also
 * written to `<output_dir>/<sub_dir>/<step>` so they survive the run and can be streamed.
 */
import type { WellFilter, WellFilterMode } from './well-filter.js';

export type PersistentBackend = 'disk' | 'zarr';

export interface MaterializationConfig {
  enabled: boolean;
  sub_dir: string;
  backend: PersistentBackend;
  /** Which wells get checkpoints; null means every well. */
  well_filter: WellFilter | null;
  well_filter_mode: 'include' | 'exclude';
}

export const MATERIALIZATION_DEFAULTS: Readonly<MaterializationConfig> = Object.freeze({
  enabled: false,
  sub_dir: 'checkpoints',
  backend: 'disk',
  well_filter: null,
  well_filter_mode: 'include' satisfies WellFilterMode
});

export type LazyMaterializationConfig = Partial<MaterializationConfig>;

export const MATERIALIZATION_FIELDS = Object.keys(
  MATERIALIZATION_DEFAULTS
) as (keyof MaterializationConfig)[];

export function materializationConfigProblems(config: LazyMaterializationConfig): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(config)) {
    if (!(MATERIALIZATION_FIELDS as string[]).includes(key)) {
      problems.push(
        `unknown materialization field '${key}' (known: ${MATERIALIZATION_FIELDS.join(', ')})`
      );
    }
  }
  if (config.backend !== undefined && config.backend !== 'disk' && config.backend !== 'zarr') {
    problems.push(`backend must be 'disk' or 'zarr', got '${String(config.backend)}'`);
  }
  const sub = config.sub_dir;
  if (
    sub !== undefined &&
    (typeof sub !== 'string' || sub === '' || sub.split(/[\\/]/).some(p => p === '..' || p === ''))
  ) {
    problems.push(
      `sub_dir must be a relative folder name inside the output dir like 'checkpoints', got '${String(sub)}'`
    );
  }
  if (
    config.well_filter_mode !== undefined &&
    !['include', 'exclude'].includes(config.well_filter_mode)
  ) {
    problems.push(
      `well_filter_mode must be 'include' or 'exclude', got '${String(config.well_filter_mode)}'`
    );
  }
  return problems;
}
