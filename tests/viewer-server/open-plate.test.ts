/**
 * Opening a plate from disk (issue 17, part 2) on the real compiled server: `open_plate`
 * (and `pipeline-viewer open`) forks lib/runtime/plate/plate-source-main.js on a plate written
 * by ome-zarr-py and on a Harmony export (tests/runtime/fixtures/make_plates.py); api/state
 * lists one layer per plate, origin 'disk'; api/plane and api/thumbnails (the grid) serve
 * each file's pixels; without the
 * secret nothing opens; a folder that is no plate gets the reader's error; clear ends the
 * plate sources; the store's size bound leaves disk layers alone. Ports 24650, 24655 (+1000, +3000).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  decodeThumbnails,
  httpPort,
  thumbnailsUrl,
  type ViewerState
} from '../../src/protocol/index.js';
import { controlRequest, writeSegment } from '../../src/protocol/node/index.js';
import { makePlate, type PlateManifest } from '../runtime/fixture-plates.js';
import { python } from '../runtime/python.js';
import { tokenHeaders } from './browser-token.js';
import {
  BIN,
  getPlane,
  planeQuery,
  sendBatch,
  startServer,
  type RunningServer
} from './server-process.js';

const PORT = 24650;
const OPEN_MS = 40_000;
/** A one-well OME-Zarr plate with two stored levels below full size; prints level 1's sums per channel. */
const PYRAMID = `
import sys, json, numpy as np, zarr
from ome_zarr.format import FormatV04
from ome_zarr.writer import write_image, write_plate_metadata, write_well_metadata
root = zarr.open_group(sys.argv[1], mode='w', zarr_format=2)
write_plate_metadata(root, ['A'], ['1'], ['A/1'], fmt=FormatV04(), field_count=1, name='Pyramid')
well = root.require_group('A').require_group('1')
write_well_metadata(well, [{'path': '0'}], fmt=FormatV04())
data = np.random.default_rng(1).integers(0, 60000, (1, 2, 1, 64, 48), dtype=np.uint16)
write_image(data, well.require_group('0'), scale_factors=[2, 4], fmt=FormatV04(), axes='tczyx')
level = zarr.open_group(sys.argv[1] + '/A/1/0')['s1']
print(json.dumps({'shape': list(level.shape[-2:]), 'sums': [int(level[0, c, 0].astype(np.int64).sum()) for c in range(2)]}))
`;
const stranger = { timeoutMs: 10_000, env: { PIPELINE_VIEWER_HOME: '/nonexistent/plv-stranger' } };

let server: RunningServer;
let tmp: string;
const plates: Record<string, PlateManifest> = {};
let pyramid: { shape: [number, number]; sums: number[] };

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'open-plate-'));
  for (const kind of ['harmony', 'ome-zarr-0.4'])
    plates[kind] = await makePlate(kind, path.join(tmp, kind));
  pyramid = JSON.parse(await python(PYRAMID, [path.join(tmp, 'pyramid.zarr')])) as typeof pyramid;
  server = await startServer(PORT);
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await rm(tmp, { recursive: true, force: true });
});

async function state(): Promise<ViewerState> {
  const res = await fetch(`http://127.0.0.1:${httpPort(PORT)}/api/state`, {
    headers: tokenHeaders(PORT),
    signal: AbortSignal.timeout(10_000)
  });
  return (await res.json()) as ViewerState;
}

/** Children of `pid` (the plate sources it forked), from /proc. */
async function childrenOf(pid: number): Promise<number[]> {
  const { stdout } = await promisify(execFile)('ps', ['-o', 'pid=', '--ppid', String(pid)]).catch(
    () => ({ stdout: '' })
  );
  return stdout.split(/\s+/).filter(Boolean).map(Number);
}

const sum = (body: Uint8Array) =>
  new Uint16Array(body.buffer, body.byteOffset, body.byteLength / 2).reduce((a, b) => a + b, 0);

it('without the secret, open_plate opens nothing', async () => {
  const reply = await controlRequest(
    PORT,
    { type: 'open_plate', path: path.join(tmp, 'harmony') },
    stranger
  );
  expect(reply.type === 'error' && reply.error).toMatch(
    /^not authorized: open_plate carries no secret/
  );
  expect((await state()).layers).toEqual([]);
});

it('a folder that holds no plate gets the reader’s error, and no layer', async () => {
  const empty = path.join(tmp, 'not-a-plate');
  await mkdir(empty);
  const reply = await controlRequest(
    PORT,
    { type: 'open_plate', path: empty },
    { timeoutMs: OPEN_MS }
  );
  expect(reply.type).toBe('error');
  expect(reply.type === 'error' && reply.error).toMatch(/cannot open plate '.*not-a-plate'/);
  const relative = await controlRequest(
    PORT,
    { type: 'open_plate', path: 'harmony' },
    { timeoutMs: OPEN_MS }
  );
  expect(relative.type === 'error' && relative.error).toMatch(/is not an absolute path/);
  expect((await state()).layers).toEqual([]);
});

it.each(['ome-zarr-0.4', 'harmony'])(
  'a %s plate opens as a layer from disk whose planes are the files’ pixels',
  async kind => {
    const reply = await controlRequest(
      PORT,
      { type: 'open_plate', path: path.join(tmp, kind) },
      { timeoutMs: OPEN_MS }
    );
    expect(reply.type).toBe('open_plate_ack');
    const key = reply.type === 'open_plate_ack' ? reply.layer : '';
    const layer = (await state()).layers.find(l => l.key === key);
    expect(layer).toMatchObject({ origin: 'disk', dtype: 'uint16' });
    const images = plates[kind].images;
    for (const image of [images[0], images[images.length - 1], images[5]]) {
      const { well, site, channel, z_index, timepoint } = image;
      const at = { well, site, channel, z_index, timepoint };
      const plane = await getPlane(PORT, planeQuery(key, at, 4096));
      expect(plane.status).toBe(200);
      expect(sum(plane.body)).toBe(image.sum);
    }
    // The grid view: every well's plane at one site, channel, z, timepoint, full size.
    const { site, channel, z_index, timepoint } = images[0];
    const at = { site, channel, z_index, timepoint };
    const url = thumbnailsUrl(`http://127.0.0.1:${httpPort(PORT)}/`, key, at, 4096);
    const res = await fetch(url, {
      headers: tokenHeaders(PORT),
      signal: AbortSignal.timeout(10_000)
    });
    expect(res.status).toBe(200);
    const grid = decodeThumbnails(await res.arrayBuffer());
    const expected = images.filter(i =>
      Object.entries(at).every(([k, v]) => i[k as keyof typeof at] === v)
    );
    expect(grid.header.planes.map(p => p.well).sort()).toEqual(expected.map(i => i.well).sort());
    grid.header.planes.forEach((p, n) => {
      const file = expected.find(i => i.well === p.well)!;
      expect((grid.pixels[n] as Uint16Array).reduce((a, b) => a + b, 0)).toBe(file.sum);
    });
  },
  60_000
);

it('an OME-Zarr with pyramid levels serves its stored level, not one binned from full size', async () => {
  const reply = await controlRequest(
    PORT,
    { type: 'open_plate', path: path.join(tmp, 'pyramid.zarr') },
    { timeoutMs: OPEN_MS }
  );
  const key = reply.type === 'open_plate_ack' ? reply.layer : '';
  const layer = (await state()).layers.find(l => l.key === key);
  expect(layer).toMatchObject({ origin: 'disk', shape: [64, 48] });
  const at = Object.fromEntries(layer!.axes.map(a => [a.name, a.values[0]]));
  for (const [c, channel] of layer!.axes.find(a => a.name === 'channel')!.values.entries()) {
    // A display of 32 pixels gets level 1 (32×24): the file's s1, which ome-zarr-py
    // resampled (a 2×2 mean of level 0 would give other values).
    const plane = await getPlane(PORT, planeQuery(key, { ...at, channel }, 32));
    expect(plane.status).toBe(200);
    expect(plane.headers.get('x-plane-level')).toBe('1');
    expect(plane.headers.get('x-plane-shape')).toBe(pyramid.shape.join(','));
    expect(plane.body.byteLength).toBe(pyramid.shape[0] * pyramid.shape[1] * 2);
    expect(sum(plane.body)).toBe(pyramid.sums[c]);
  }
}, 60_000);

it('pipeline-viewer open shows a plate too; clear removes the disk layers and ends their sources', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [BIN, 'open', path.join(tmp, 'harmony'), '--port', String(PORT)],
    { env: { ...process.env }, timeout: OPEN_MS }
  );
  // The same folder again: the layer it already has.
  expect(JSON.parse(stdout)).toMatchObject({ layer: expect.any(String), port: PORT });
  expect((await state()).layers.filter(l => l.origin === 'disk')).toHaveLength(3);
  // three plate sources, and the warm spare when it is back (open-plate-spare.test.ts)
  const before = await childrenOf(server.child.pid!);
  expect(before.length === 3 || before.length === 4).toBe(true);
  const cleared = await controlRequest(PORT, { type: 'clear_state' }, { timeoutMs: 10_000 });
  expect(cleared.type).toBe('clear_state_ack');
  expect((await state()).layers).toEqual([]);
  const deadline = Date.now() + 10_000;
  let left = await childrenOf(server.child.pid!);
  while (before.filter(p => !left.includes(p)).length < 3 && Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, 100));
    left = await childrenOf(server.child.pid!);
  }
  // the plates' sources ended; at most the spare is left
  expect(before.filter(p => !left.includes(p))).toHaveLength(3);
  expect(left.length).toBeLessThanOrEqual(1);
}, 60_000);

it('the layer store’s size bound never removes a plate from disk (its pixels are not in the store)', async () => {
  // Another server, with a store that holds 3 live planes of 48×64 uint16, not 4.
  const bounded = await startServer(PORT + 5, ['--store-limit', '50K']);
  try {
    const opened = await controlRequest(
      PORT + 5,
      { type: 'open_plate', path: path.join(tmp, 'harmony') },
      { timeoutMs: OPEN_MS }
    );
    expect(opened.type).toBe('open_plate_ack');
    const key = opened.type === 'open_plate_ack' ? opened.layer : '';
    for (const source of ['First', 'Second', 'Third', 'Fourth']) {
      const reply = await sendBatch(PORT + 5, {
        type: 'batch',
        display_config: {
          component_modes: { source: 'slice', well: 'stack' },
          colormap: 'gray',
          variable_size_handling: 'pad_to_max'
        },
        images: [
          {
            path: `/${source}/A01`,
            shape: [48, 64],
            dtype: 'uint16',
            image_id: source,
            shm_name: writeSegment(new Uint16Array(48 * 64).fill(7)),
            metadata: { source, well: 'A01' }
          }
        ]
      });
      expect(reply).toMatchObject({ status: 'success', accepted: 1 });
    }
    const res = await fetch(`http://127.0.0.1:${httpPort(PORT + 5)}/api/state`, {
      headers: tokenHeaders(PORT + 5),
      signal: AbortSignal.timeout(10_000)
    });
    const keys = ((await res.json()) as ViewerState).layers.map(l => l.key);
    expect(keys).toContain(key); // before: removed first (the oldest layer) by the store's bound
    expect(keys).not.toContain('source_First'); // the bound still holds for live layers
    const { well, site, channel, z_index, timepoint } = plates.harmony.images[0];
    const plane = await getPlane(
      PORT + 5,
      planeQuery(key, { well, site, channel, z_index, timepoint }, 4096)
    );
    expect(plane.status).toBe(200);
    expect(sum(plane.body)).toBe(plates.harmony.images[0].sum);
  } finally {
    await bounded.stop();
  }
}, 90_000);
