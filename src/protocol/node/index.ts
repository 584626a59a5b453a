/** Node-only helpers of the protocol (shared memory, control client); never imported by the browser. */
export * from './shm.js';
export * from './control-client.js';
export * from './server-process.js';
export * from './deadline.js';
export * from './ipc-endpoint.js';
export * from './viewer-home.js';
export * from './server-record.js';
export * from './port-probe.js';
export * from './shm-ring.js';
