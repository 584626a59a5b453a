/** The viewer server, for embedding or tests; the process entry is main.ts, the CLI process/cli.ts. */
export { ViewerServer, PortTakenError, type ViewerServerOptions } from './viewer-server.js';
export { ViewerCore } from './core/viewer-core.js';
export { PlaneRequestError, type ServedPlane } from './core/plane-request.js';
export { LayerStore, type LayerConfig } from './model/layer-store.js';
export { Layer, type PlaneRef, type NewPlane } from './model/layer.js';
export { viewerHome, defaultServerLog, defaultStoreDir } from './process/paths.js';
