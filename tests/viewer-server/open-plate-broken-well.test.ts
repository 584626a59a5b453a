/**
 * A plate from disk with one damaged chunk, in the grid (issue 17): the real compiled server
 * answers `api/thumbnails` with every other well's pixels and lists the damaged well in
 * `failed`, with the reader's reason (the whole reply failed with HTTP 500 before). Port 29004
 * (+1000, +3000).
 */
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { decodeThumbnails, httpPort, thumbnailsUrl } from '../../src/protocol/index.js';
import { controlRequest } from '../../src/protocol/node/index.js';
import { python } from '../runtime/python.js';
import { tokenHeaders } from './browser-token.js';
import { startServer, type RunningServer } from './server-process.js';

const PORT = 29004;
/** Six wells of one 16×12 uint16 plane each; prints each well's sum and B/2's chunk file. */
const PLATE = `
import sys, os, json, numpy as np, zarr
from ome_zarr.format import FormatV04
from ome_zarr.writer import write_image, write_plate_metadata, write_well_metadata
root = zarr.open_group(sys.argv[1], mode='w', zarr_format=2)
wells = [(r, c) for r in 'AB' for c in '123']
write_plate_metadata(root, ['A', 'B'], ['1', '2', '3'], [f'{r}/{c}' for r, c in wells], fmt=FormatV04(), field_count=1, name='Broken')
sums = {}
for i, (r, c) in enumerate(wells):
    well = root.require_group(r).require_group(c)
    write_well_metadata(well, [{'path': '0'}], fmt=FormatV04())
    data = np.random.default_rng(i).integers(0, 60000, (1, 1, 1, 16, 12), dtype=np.uint16)
    write_image(data, well.require_group('0'), scale_factors=[], fmt=FormatV04(), axes='tczyx')
    sums[f'{r}0{c}'] = int(data.astype(np.int64).sum())
level = os.path.join(sys.argv[1], 'B', '2', '0')
chunks = [os.path.join(d, f) for d, _, fs in os.walk(level) for f in fs if not f.startswith('.')]
print(json.dumps({'sums': sums, 'chunks': chunks}))
`;

let server: RunningServer;
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'open-plate-broken-'));
  server = await startServer(PORT);
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await rm(tmp, { recursive: true, force: true });
});

it('the grid of a plate with one damaged chunk shows the other wells and names the damaged one', async () => {
  const plate = path.join(tmp, 'broken.zarr');
  const made = JSON.parse(await python(PLATE, [plate])) as {
    sums: Record<string, number>;
    chunks: string[];
  };
  expect(made.chunks).toHaveLength(1);
  writeFileSync(made.chunks[0], Buffer.from('not a blosc chunk, nor any other codec'));
  const reply = await controlRequest(
    PORT,
    { type: 'open_plate', path: plate },
    { timeoutMs: 40_000 }
  );
  expect(reply.type).toBe('open_plate_ack');
  const key = reply.type === 'open_plate_ack' ? reply.layer : '';
  const at = { site: 1, channel: 1, z_index: 1, timepoint: 1 };
  const res = await fetch(thumbnailsUrl(`http://127.0.0.1:${httpPort(PORT)}/`, key, at, 64), {
    headers: tokenHeaders(PORT),
    signal: AbortSignal.timeout(20_000)
  });
  expect(res.status).toBe(200);
  const { header, pixels } = decodeThumbnails(await res.arrayBuffer());
  expect(header.missing).toEqual([]);
  expect(header.failed).toEqual([{ well: 'B02', error: expect.stringMatching(/reading .*B.2/) }]);
  const served = Object.fromEntries(
    header.planes.map((p, i) => [p.well, (pixels[i] as Uint16Array).reduce((a, b) => a + b, 0)])
  );
  expect(served).toEqual(
    Object.fromEntries(Object.entries(made.sums).filter(([well]) => well !== 'B02'))
  );
}, 90_000);
