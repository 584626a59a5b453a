/**
 * A plate on disk asked below its deepest stored pyramid level (the plate grid of a 384-well
 * plate asks ~32² of 2048² planes stored down to 128²): the real compiled server bins the
 * deepest stored level, it does not read and bin full size (issue 17, open speed). The plate
 * source bins a wire dtype (uint16) before sending; another (int16, shown as float32) is
 * binned by the server after converting it. Either way the pixels are level k's definition:
 * k 2×2 bin-shrinks of the wire pixels. Port 29060 (+1000, +3000).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { httpPort, type ViewerState } from '../../src/protocol/index.js';
import { controlRequest } from '../../src/protocol/node/index.js';
import { binShrink } from '../../src/protocol/bin-shrink.js';
import { python } from '../runtime/python.js';
import { tokenHeaders } from './browser-token.js';
import { getPlane, planeQuery, startServer, type RunningServer } from './server-process.js';

const PORT = 29060;
/** One well, 2 channels of 64×48 random argv[2] pixels, levels s1 (32×24), s2 (16×12); prints s2. */
const PYRAMID = `
import sys, json, numpy as np, zarr
from ome_zarr.format import FormatV04
from ome_zarr.writer import write_image, write_plate_metadata, write_well_metadata
root = zarr.open_group(sys.argv[1], mode='w', zarr_format=2)
write_plate_metadata(root, ['A'], ['1'], ['A/1'], fmt=FormatV04(), field_count=1, name='Pyramid')
well = root.require_group('A').require_group('1')
write_well_metadata(well, [{'path': '0'}], fmt=FormatV04())
data = np.random.default_rng(2).integers(0, 30000, (1, 2, 1, 64, 48), dtype=sys.argv[2])
write_image(data, well.require_group('0'), scale_factors=[2, 4], fmt=FormatV04(), axes='tczyx')
s2 = zarr.open_group(sys.argv[1] + '/A/1/0')['s2']
print(json.dumps({'shape': list(s2.shape[-2:]), 's2': [s2[0, c, 0].ravel().tolist() for c in range(2)]}))
`;

type Pyramid = { shape: [number, number]; s2: number[][] };
let server: RunningServer;
let tmp: string;
const pyramids: Record<'uint16' | 'int16', Pyramid> = {} as never;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'open-plate-levels-'));
  for (const dtype of ['uint16', 'int16'] as const)
    pyramids[dtype] = JSON.parse(
      await python(PYRAMID, [path.join(tmp, `${dtype}.zarr`), dtype])
    ) as Pyramid;
  server = await startServer(PORT);
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await rm(tmp, { recursive: true, force: true });
});

/** Opens `<dtype>.zarr`; its layer, checked to be from disk, and its first position. */
async function open(dtype: string) {
  const reply = await controlRequest(
    PORT,
    { type: 'open_plate', path: path.join(tmp, `${dtype}.zarr`) },
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
  return { key, layer, at };
}

/** `pixels` ([h, w]) halved `times` times with level k's bin-shrink. */
function halve(pixels: Uint16Array | Float32Array, [h, w]: [number, number], times: number) {
  const dtype = pixels instanceof Float32Array ? 'float32' : 'uint16';
  return [...binShrink(pixels, h, w, dtype, times).pixels];
}

it('a plane asked below the stored levels is binned from the deepest stored level', async () => {
  const pyramid = pyramids.uint16;
  const { key, layer, at } = await open('uint16');
  for (const [c, channel] of layer.axes.find(a => a.name === 'channel')!.values.entries()) {
    // A display of 8 pixels gets level 3 (8×6), one below s2 (16×12): s2's 2×2 means, which
    // differ from level 0 binned three times (ome-zarr-py resampled s1 and s2). A display of
    // 4 gets level 4 (4×3), two below, an odd width on the way (6 → 3).
    for (const [max, level, shape] of [
      [8, 3, '8,6'],
      [4, 4, '4,3']
    ] as const) {
      const plane = await getPlane(PORT, planeQuery(key, { ...at, channel }, max));
      expect(plane.status).toBe(200);
      expect(plane.headers.get('x-plane-level')).toBe(String(level));
      expect(plane.headers.get('x-plane-shape')).toBe(shape);
      const got = new Uint16Array(plane.body.buffer, plane.body.byteOffset, plane.body.length / 2);
      expect([...got]).toEqual(halve(Uint16Array.from(pyramid.s2[c]), pyramid.shape, level - 2));
    }
  }
}, 60_000);

it('a dtype shown as another (int16 as float32) is binned after converting it', async () => {
  const pyramid = pyramids.int16;
  const { key, layer, at } = await open('int16');
  expect(layer.dtype).toBe('float32');
  const channel = layer.axes.find(a => a.name === 'channel')!.values[1];
  const plane = await getPlane(PORT, planeQuery(key, { ...at, channel }, 4));
  expect(plane.status).toBe(200);
  expect(plane.headers.get('x-plane-level')).toBe('4');
  const got = new Float32Array(plane.body.buffer, plane.body.byteOffset, plane.body.length / 4);
  // float32 means are not rounded: binned as uint16 they would be whole numbers
  const expected = halve(Float32Array.from(pyramid.s2[1]), pyramid.shape, 2);
  expect(expected.some(v => !Number.isInteger(v))).toBe(true);
  expect([...got]).toEqual(expected);
}, 60_000);
