#!/usr/bin/env node
/**
 * `node clear_viewer.mjs <data port>`: asks the viewer server to clear its layers (control
 * message clear_state on port + 1000), so every connected panel empties. Used by the
 * server extension's "clear" action; the CLI has no clear command.
 */
import { controlRequest } from '../lib/protocol/node/index.js';

const port = Number(process.argv[2]);
if (!Number.isInteger(port)) {
  console.error('usage: clear_viewer.mjs <data port>');
  process.exit(2);
}
try {
  const reply = await controlRequest(port, { type: 'clear_state' }, { timeoutMs: 5000 });
  if (reply.type !== 'clear_state_ack') throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
  console.log(JSON.stringify({ cleared: true, port }));
  process.exit(0);
} catch (err) {
  console.error(`pipeline-viewer: could not clear the viewer server on port ${port}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
