/** Whether TCP ports on 127.0.0.1 can be bound again (a stopped server released them). */
export { waitPortsFree } from '../../protocol/node/index.js';
