export * from './version.js';
export * from './dtype.js';
export * from './components.js';
export * from './ports.js';
export * from './shm.js';
export * from './messages.js';
export * from './codec.js';
export * from './viewer-api.js';
