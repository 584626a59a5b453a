/**
 * The pipeline viewer widget: a Lumino widget with no JupyterLab imports. See README.md
 * for the host API and the stable CSS classes / data-testid attributes.
 */
export * from './tokens.js';
export { PipelineViewerWidget } from './view/pipeline-viewer-widget.js';
export { ViewerModel } from './model/viewer-model.js';
export { Dims } from './model/dims.js';
export { Layer } from './model/layer.js';
export { LayerList } from './model/layer-list.js';
export { PlaneCache } from './model/plane-cache.js';
export { SideBySide } from './model/side-by-side.js';
export type { Plane } from './model/plane.js';
export { overlayText } from './model/overlay.js';
export { producersByHostText } from './model/producers.js';
export { autoContrast, histogram } from './model/histogram.js';
export { ServerConnection } from './client/server-connection.js';
export { PlaneLoader } from './client/plane-loader.js';
export { ViewerSession } from './client/viewer-session.js';
