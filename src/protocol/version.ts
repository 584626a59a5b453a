/** Wire protocol version carried in every header; bumped on any incompatible change. */
export const PROTOCOL_VERSION = 1;

/** Name the server reports in `pong` replies, so a producer can tell our server from another process. */
export const SERVER_NAME = 'jupyterlab-pipeline-viewer';
