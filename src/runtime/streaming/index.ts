/** The streaming producer: what a notebook or the orchestrator uses to reach a viewer server. */
export { StreamBackend } from './stream-backend.js';
export type { StreamBackendOptions } from './stream-backend.js';
export { ViewerManager, viewerManagerFor, defaultServerScript } from './viewer-manager.js';
export type { ViewerManagerOptions, ShowOptions } from './viewer-manager.js';
export { viewerStreamSink } from './viewer-sink.js';
export type { ViewerTarget, ViewerSinkOptions } from './viewer-sink.js';
export { MAX_IMAGES_PER_MESSAGE } from './wire-batch.js';
export { DataChannelError } from './data-channel.js';
export { chooseTransport, TRANSPORTS } from './transport.js';
export type { Transport } from './transport.js';
