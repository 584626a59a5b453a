#!/usr/bin/env node
/**
 * Producer for the channels-*.spec.ts tests: one raw batch over ZeroMQ, as a plate reader
 * would send it — layer `source_Stain`, wells A01 and A02, channels 1 (DAPI) and 2 (GFP),
 * 120 × 120 uint16 with a pixel size of 0.65 µm. DAPI is lit only in the left third (a ramp
 * 2,000 → 40,000 from left to right), GFP only in the right third (the same ramp), both in
 * the middle third (so a composite is blue | cyan | green there), black below row 80.
 *   node ui-tests/helpers/send-channels.mjs <data port>
 * Prints the server's reply as one JSON line.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zmq from 'zeromq';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { encodeBatch } = await import(path.join(ROOT, 'lib/protocol/codec.js'));

const port = Number(process.argv[2]);
if (!Number.isInteger(port)) {
  console.error('usage: send-channels.mjs <data port>');
  process.exit(2);
}

const SIDE = 120;
/** Lit where `lit(x)`, a ramp within each third so contrast and gamma change the pixels. */
function plane(lit) {
  const data = new Uint16Array(SIDE * SIDE);
  for (let y = 0; y < 80; y++)
    for (let x = 0; x < SIDE; x++)
      if (lit(x)) data[y * SIDE + x] = 2000 + Math.round(((x % 40) / 39) * 38000);
  return new Uint8Array(data.buffer);
}

const images = [];
const frames = [];
for (const well of ['A01', 'A02'])
  for (const [channel, lit] of [
    [1, x => x < 80],
    [2, x => x >= 40]
  ]) {
    frames.push(plane(lit));
    images.push({
      path: `${well}_w${channel}.tif`,
      shape: [SIDE, SIDE],
      dtype: 'uint16',
      image_id: `${well}-${channel}`,
      frame: frames.length,
      metadata: { source: 'Stain', well, site: 1, channel, z_index: 1 }
    });
  }

const socket = new zmq.Dealer({ linger: 0, receiveTimeout: 10_000, sendTimeout: 10_000 });
socket.connect(`tcp://127.0.0.1:${port}`);
await socket.send(
  encodeBatch(
    {
      type: 'batch',
      images,
      component_names_metadata: { channel: { 1: 'DAPI', 2: 'GFP' } },
      pixel_size: { x: 0.65, y: 0.65, unit: 'micrometer' }
    },
    frames
  )
);
const reply = await socket.receive();
socket.close();
console.log(Buffer.from(reply[reply.length - 1]).toString());
