/**
 * Where and how a step's materialized outputs are shown live (OpenHCS's
 * `NapariStreamingConfig`). Field names are OpenHCS's, so a config reads the same in both
 * and maps one to one onto the wire's `display_config`.
 */
import {
  COLORMAPS,
  DEFAULT_COMPONENT_MODES,
  DEFAULT_DATA_PORT,
  DEFAULT_HOST,
  dataPortProblem,
  isDataPort,
  type Colormap,
  type ComponentMode,
  type VariableSizeHandling
} from '../../protocol/index.js';
import type { WellFilter, WellFilterMode } from './well-filter.js';

export interface StreamingConfig {
  enabled: boolean;
  /** Data port of the viewer server; control is port + 1000, browser HTTP port + 3000. */
  port: number;
  host: string;
  /** Keep the viewer server alive after the run, so the next run reuses it. */
  persistent: boolean;
  /** Which wells are streamed; null streams every well. */
  well_filter: WellFilter | null;
  well_filter_mode: WellFilterMode;
  colormap: Colormap;
  variable_size_handling: VariableSizeHandling;
  source_mode: ComponentMode;
  well_mode: ComponentMode;
  site_mode: ComponentMode;
  channel_mode: ComponentMode;
  z_index_mode: ComponentMode;
  timepoint_mode: ComponentMode;
}

export const STREAMING_DEFAULTS: Readonly<StreamingConfig> = Object.freeze({
  // Off unless a step (or the pipeline/global config) asks for it.
  enabled: false,
  port: DEFAULT_DATA_PORT,
  host: DEFAULT_HOST,
  persistent: true,
  well_filter: null,
  well_filter_mode: 'include',
  colormap: 'gray',
  variable_size_handling: 'pad_to_max',
  source_mode: DEFAULT_COMPONENT_MODES.source,
  well_mode: DEFAULT_COMPONENT_MODES.well,
  site_mode: DEFAULT_COMPONENT_MODES.site,
  channel_mode: DEFAULT_COMPONENT_MODES.channel,
  z_index_mode: DEFAULT_COMPONENT_MODES.z_index,
  timepoint_mode: DEFAULT_COMPONENT_MODES.timepoint
});

/** A streaming config with any field left unset (OpenHCS's `LazyNapariStreamingConfig`). */
export type LazyStreamingConfig = Partial<StreamingConfig>;

export const STREAMING_FIELDS = Object.keys(STREAMING_DEFAULTS) as (keyof StreamingConfig)[];

/** Problems with the value types of a (lazy) streaming config, as sentences. */
export function streamingConfigProblems(config: LazyStreamingConfig): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(config)) {
    if (!(STREAMING_FIELDS as string[]).includes(key)) {
      problems.push(`unknown streaming field '${key}' (known: ${STREAMING_FIELDS.join(', ')})`);
    }
  }
  const { port, colormap, variable_size_handling, well_filter_mode } = config;
  if (port !== undefined && !isDataPort(port)) problems.push(dataPortProblem(port)!);
  if (colormap !== undefined && !(COLORMAPS as readonly string[]).includes(colormap)) {
    problems.push(`colormap '${String(colormap)}' is not one of ${COLORMAPS.join(', ')}`);
  }
  if (
    variable_size_handling !== undefined &&
    !['pad_to_max', 'separate_layers'].includes(variable_size_handling)
  ) {
    problems.push(
      `variable_size_handling must be 'pad_to_max' or 'separate_layers', got '${String(variable_size_handling)}'`
    );
  }
  if (well_filter_mode !== undefined && !['include', 'exclude'].includes(well_filter_mode)) {
    problems.push(
      `well_filter_mode must be 'include' or 'exclude', got '${String(well_filter_mode)}'`
    );
  }
  for (const key of [
    'source_mode',
    'well_mode',
    'site_mode',
    'channel_mode',
    'z_index_mode',
    'timepoint_mode'
  ] as const) {
    const mode = config[key];
    if (mode !== undefined && mode !== 'stack' && mode !== 'slice') {
      problems.push(`${key} must be 'stack' or 'slice', got '${String(mode)}'`);
    }
  }
  return problems;
}
