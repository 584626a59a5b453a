/**
 * Components of an image's identity inside a plate, as in OpenHCS.
 * `source` is the name of the step that produced the image.
 */
export const COMPONENTS = ['source', 'well', 'site', 'channel', 'z_index', 'timepoint'] as const;
export type Component = (typeof COMPONENTS)[number];

/** `stack`: the component becomes a slider axis of one layer. `slice`: separate layers. */
export type ComponentMode = 'stack' | 'slice';

export const DEFAULT_COMPONENT_MODES: Readonly<Record<Component, ComponentMode>> = {
  source: 'slice',
  well: 'stack',
  site: 'stack',
  channel: 'stack',
  z_index: 'stack',
  timepoint: 'stack'
};

export const DEFAULT_COMPONENT_ORDER: readonly Component[] = COMPONENTS;

export const COLORMAPS = [
  'gray',
  'viridis',
  'magma',
  'inferno',
  'plasma',
  'cividis',
  'red',
  'green',
  'blue',
  'cyan',
  'magenta',
  'yellow'
] as const;
export type Colormap = (typeof COLORMAPS)[number];

export type VariableSizeHandling = 'pad_to_max' | 'separate_layers';

/** Value of one component of one image; `null` when the file name lacks it. */
export type ComponentValue = string | number | null;
