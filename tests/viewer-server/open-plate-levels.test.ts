/**
 * A plate on disk asked below its deepest stored pyramid level (the plate grid of a 384-well
 * plate asks ~64² of 2048² planes stored down to 128²): the real compiled server bins the
 * deepest stored level, it does not read and bin full size (issue 17, open speed). Port 29060
 * (+1000, +3000).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { httpPort, type ViewerState } from '../../src/protocol/index.js';
import { controlRequest } from '../../src/protocol/node/index.js';
import { binShrink2 } from '../../src/viewer-server/pixels/bin-shrink.js';
import { python } from '../runtime/python.js';
import { tokenHeaders } from './browser-token.js';
import { getPlane, planeQuery, startServer, type RunningServer } from './server-process.js';

const PORT = 29060;
/** One well, 2 channels of 64×48 random uint16, levels s1 (32×24), s2 (16×12); prints s2. */
const PYRAMID = `
import sys, json, numpy as np, zarr
from ome_zarr.format import FormatV04
from ome_zarr.writer import write_image, write_plate_metadata, write_well_metadata
root = zarr.open_group(sys.argv[1], mode='w', zarr_format=2)
write_plate_metadata(root, ['A'], ['1'], ['A/1'], fmt=FormatV04(), field_count=1, name='Pyramid')
well = root.require_group('A').require_group('1')
write_well_metadata(well, [{'path': '0'}], fmt=FormatV04())
data = np.random.default_rng(2).integers(0, 60000, (1, 2, 1, 64, 48), dtype=np.uint16)
write_image(data, well.require_group('0'), scale_factors=[2, 4], fmt=FormatV04(), axes='tczyx')
s2 = zarr.open_group(sys.argv[1] + '/A/1/0')['s2']
print(json.dumps({'shape': list(s2.shape[-2:]), 's2': [s2[0, c, 0].ravel().tolist() for c in range(2)]}))
`;

let server: RunningServer;
let tmp: string;
let pyramid: { shape: [number, number]; s2: number[][] };

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'open-plate-levels-'));
  pyramid = JSON.parse(await python(PYRAMID, [path.join(tmp, 'pyramid.zarr')])) as typeof pyramid;
  server = await startServer(PORT);
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await rm(tmp, { recursive: true, force: true });
});

it('a plane asked below the stored levels is binned from the deepest stored level', async () => {
  const reply = await controlRequest(
    PORT,
    { type: 'open_plate', path: path.join(tmp, 'pyramid.zarr') },
    { timeoutMs: 40_000 }
  );
  expect(reply.type).toBe('open_plate_ack');
  const key = reply.type === 'open_plate_ack' ? reply.layer : '';
  const res = await fetch(`http://127.0.0.1:${httpPort(PORT)}/api/state`, {
    headers: tokenHeaders(PORT),
    signal: AbortSignal.timeout(10_000)
  });
  const layer = ((await res.json()) as ViewerState).layers.find(l => l.key === key)!;
  expect(layer).toMatchObject({ origin: 'disk', shape: [64, 48] });
  const at = Object.fromEntries(layer.axes.map(a => [a.name, a.values[0]]));
  const [h, w] = pyramid.shape;
  for (const [c, channel] of layer.axes.find(a => a.name === 'channel')!.values.entries()) {
    // A display of 8 pixels gets level 3 (8×6), one below s2 (16×12): s2's 2×2 means, which
    // differ from level 0 binned three times (ome-zarr-py resampled s1 and s2).
    const plane = await getPlane(PORT, planeQuery(key, { ...at, channel }, 8));
    expect(plane.status).toBe(200);
    expect(plane.headers.get('x-plane-level')).toBe('3');
    expect(plane.headers.get('x-plane-shape')).toBe('8,6');
    const expected = binShrink2(Uint16Array.from(pyramid.s2[c]), h, w, 'uint16');
    const got = new Uint16Array(plane.body.buffer, plane.body.byteOffset, plane.body.length / 2);
    expect([...got]).toEqual([...expected]);
  }
}, 60_000);
