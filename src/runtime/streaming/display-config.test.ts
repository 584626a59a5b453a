import { STREAMING_DEFAULTS } from '../config/streaming-config.js';
import { displayConfigOf } from './display-config.js';

describe('displayConfigOf', () => {
  it('maps the per-component modes, colormap and size handling of a streaming config', () => {
    const display = displayConfigOf({ ...STREAMING_DEFAULTS, well_mode: 'slice', colormap: 'magma', variable_size_handling: 'separate_layers' });
    expect(display).toEqual({
      component_modes: { source: 'slice', well: 'slice', site: 'stack', channel: 'stack', z_index: 'stack', timepoint: 'stack' },
      component_order: ['source', 'well', 'site', 'channel', 'z_index', 'timepoint'],
      colormap: 'magma',
      variable_size_handling: 'separate_layers'
    });
  });
});
