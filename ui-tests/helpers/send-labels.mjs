#!/usr/bin/env node
/**
 * Producer for labels-rois.spec.ts: one batch over ZeroMQ, well A01, 120 × 120 pixels:
 * - `source_DAPI` (uint16): 10,000 in rows 0–59, 0 below (white over black once contrasted);
 * - `source_Nuclei` (uint32, data_type labels): id 5 in x 10–49, y 10–49; id 2^31 + 7 in
 *   x 70–109, y 10–49; 0 elsewhere;
 * - an OpenHCS ROI item (data_type shapes, as polystore's NapariROIConverter sends it) of
 *   layer `source_Nuclei`: a polygon without a label, corners (y, x) (70, 20), (70, 100),
 *   (100, 100), (100, 20), over the black lower half.
 *   node ui-tests/helpers/send-labels.mjs <data port>
 * Prints the server's reply as one JSON line.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zmq from 'zeromq';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { encodeBatch } = await import(path.join(ROOT, 'lib/protocol/codec.js'));

const port = Number(process.argv[2]);
if (!Number.isInteger(port)) {
  console.error('usage: send-labels.mjs <data port>');
  process.exit(2);
}
const SIDE = 120;
export const BIG_ID = 2 ** 31 + 7;

const dapi = new Uint16Array(SIDE * SIDE);
for (let i = 0; i < 60 * SIDE; i++) dapi[i] = 10_000;
const ids = new Uint32Array(SIDE * SIDE);
for (let y = 10; y < 50; y++)
  for (let x = 0; x < SIDE; x++) {
    if (x >= 10 && x < 50) ids[y * SIDE + x] = 5;
    if (x >= 70 && x < 110) ids[y * SIDE + x] = BIG_ID;
  }
const at = { well: 'A01', site: 1, z_index: 1 };
const socket = new zmq.Dealer({ linger: 0, receiveTimeout: 10_000, sendTimeout: 10_000 });
socket.connect(`tcp://127.0.0.1:${port}`);
await socket.send(
  encodeBatch(
    {
      type: 'batch',
      images: [
        {
          path: 'A01_w1.tif',
          shape: [SIDE, SIDE],
          dtype: 'uint16',
          image_id: 'dapi',
          frame: 1,
          metadata: { source: 'DAPI', channel: 1, ...at }
        },
        {
          path: 'A01_nuclei.tif',
          shape: [SIDE, SIDE],
          dtype: 'uint32',
          data_type: 'labels',
          image_id: 'nuclei',
          frame: 2,
          metadata: { source: 'Nuclei', ...at }
        },
        {
          path: 'A01_nuclei.roi.zip',
          data_type: 'shapes',
          image_id: 'rois',
          shapes: [
            {
              type: 'polygon',
              coordinates: [
                [70, 20],
                [70, 100],
                [100, 100],
                [100, 20]
              ],
              metadata: { area: 2400, centroid: [85, 60] }
            }
          ],
          metadata: { source: 'Nuclei', ...at }
        }
      ],
      component_names_metadata: { channel: { 1: 'DAPI' } }
    },
    [new Uint8Array(dapi.buffer), new Uint8Array(ids.buffer)]
  )
);
const reply = await socket.receive();
socket.close();
console.log(Buffer.from(reply[reply.length - 1]).toString());
