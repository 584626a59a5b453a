/** The wire's `display_config` of a resolved streaming config (OpenHCS field names map 1:1). */
import { COMPONENTS, DEFAULT_COMPONENT_ORDER, type DisplayConfig } from '../../protocol/index.js';
import type { StreamingConfig } from '../config/streaming-config.js';

export function displayConfigOf(config: StreamingConfig): DisplayConfig {
  const component_modes: DisplayConfig['component_modes'] = {};
  for (const component of COMPONENTS) component_modes[component] = config[`${component}_mode`];
  return {
    component_modes,
    component_order: [...DEFAULT_COMPONENT_ORDER],
    colormap: config.colormap,
    variable_size_handling: config.variable_size_handling
  };
}
