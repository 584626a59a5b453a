#!/usr/bin/env node
/**
 * Producer for the compare-runs spec: one "run" of a pipeline as the runtime streams it —
 * clear_owner for the owner's other runs, then 2 wells × 2 channels of 128² uint16 tagged
 * with the run. Run 1's planes are a left-to-right ramp, run 2's a top-to-bottom one, so the
 * two runs look different at every well and channel.
 *   node ui-tests/helpers/send-run.mjs <data port> <run number>
 * Prints one JSON line: { sent, cleared }.
 */
import * as zmq from 'zeromq';
import { BatchReplySchema, decodeJson, encodeBatch } from '../../lib/protocol/index.js';
import { controlRequest, findOwnServer, writeSegment } from '../../lib/protocol/node/index.js';

const [port, n] = process.argv.slice(2).map(Number);
if (!Number.isInteger(port) || !Number.isInteger(n)) {
  console.error('usage: send-run.mjs <data port> <run number>');
  process.exit(2);
}
const OWNER = 'ui-test session · pipeline "Cells"';
const SIDE = 128;
const record = findOwnServer(port);
if (!record) throw new Error(`no viewer server of yours for port ${port}`);
const cleared = await controlRequest(
  record.ports.data,
  { type: 'clear_owner', owner: OWNER, except_run: `r${n}` },
  { timeoutMs: 10_000, secret: record.secret }
);
let sent = 0;
for (const well of ['A01', 'A02'])
  for (const channel of [1, 2]) {
    const pixels = Uint16Array.from({ length: SIDE * SIDE }, (_, i) => {
      const [y, x] = [Math.floor(i / SIDE), i % SIDE];
      return (n === 1 ? x : y) * 400 + channel * 1000 + (well === 'A02' ? 3000 : 0);
    });
    const socket = new zmq.Request({ linger: 0, receiveTimeout: 10_000, sendTimeout: 10_000 });
    socket.connect(`tcp://127.0.0.1:${record.ports.data}`);
    await socket.send(
      encodeBatch({
        type: 'batch',
        display_config: {
          component_modes: { source: 'slice', well: 'stack', channel: 'stack' },
          colormap: 'gray',
          variable_size_handling: 'pad_to_max'
        },
        component_names_metadata: { channel: { 1: 'DAPI', 2: 'GFP' } },
        run: { owner: OWNER, id: `r${n}` },
        images: [
          {
            path: `/r${n}/${well}_c${channel}`,
            shape: [SIDE, SIDE],
            dtype: 'uint16',
            image_id: `${n}-${well}-${channel}`,
            shm_name: writeSegment(pixels),
            metadata: { source: 'Cells', well, channel }
          }
        ]
      })
    );
    const [reply] = (await socket.receive()).slice(-1);
    socket.close();
    const parsed = decodeJson(reply, BatchReplySchema, 'batch reply');
    if (parsed.status !== 'success') throw new Error(JSON.stringify(parsed));
    sent += parsed.accepted;
  }
console.log(
  JSON.stringify({ sent, cleared: cleared.type === 'clear_owner_ack' ? cleared.planes : -1 })
);
