/**
 * Layers survive the server (issue 17, part 1), on the real compiled server: killed with
 * SIGKILL and started again it shows the same layers with the same pixels; a truncated chunk
 * is reported and skipped while the rest loads; --fresh starts empty; a store of another
 * version is refused and left untouched; the store's size bound removes the layers changed
 * longest ago, a log line each; Clear empties the store, stop keeps it.
 * Ports 24500-24509 (+1000, +3000).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { httpPort, type ViewerState } from '../../src/protocol/index.js';
import { controlRequest, writeSegment } from '../../src/protocol/node/index.js';
import { tokenHeaders } from './browser-token.js';
import {
  getPlane,
  planeQuery,
  sendBatch,
  RestartedServers,
  spawnMain,
  tempHome,
  within
} from './server-process.js';

const PORT = 24500;
const [H, W] = [48, 64];
const home = tempHome();
process.env.PIPELINE_VIEWER_HOME = home;
const storeDir = (port: number) => path.join(home, 'store', String(port));
const planesDir = (port: number) => path.join(storeDir(port), 'planes.zarr');

const servers = new RestartedServers(home);
const start = servers.start.bind(servers);
const stop = servers.stop.bind(servers);
const logFile = servers.logFile.bind(servers);

afterAll(async () => {
  await servers.stopAll();
  fs.rmSync(home, { recursive: true, force: true });
});

async function state(port: number): Promise<ViewerState> {
  const res = await fetch(`http://127.0.0.1:${httpPort(port)}/api/state`, {
    headers: tokenHeaders(port),
    signal: AbortSignal.timeout(10_000)
  });
  return (await res.json()) as ViewerState;
}

/** Layers as a user sees them (without what differs per server: revisions, newest). */
function shown(s: ViewerState) {
  return s.layers
    .map(({ key, kind, dtype, shape, axes, colormap, range, image_count }) => ({
      key,
      kind,
      dtype,
      shape,
      axes,
      colormap,
      range,
      image_count
    }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

function pixels(seed: number, side: [number, number] = [H, W]): Uint16Array {
  return Uint16Array.from({ length: side[0] * side[1] }, (_, i) => (i * 37 + seed * 1009) & 0xffff);
}

async function send(port: number, source: string, well: string, channel: number, seed: number) {
  const reply = await sendBatch(port, {
    type: 'batch',
    display_config: {
      component_modes: { source: 'slice', well: 'stack', channel: 'stack' },
      colormap: 'viridis',
      variable_size_handling: 'pad_to_max'
    },
    component_names_metadata: { channel: { '1': 'DAPI', '2': 'GFP' } },
    run: { owner: 'persistence test', id: 'run 1' },
    images: [
      {
        path: `/${source}/${well}_c${channel}`,
        shape: [H, W],
        dtype: 'uint16',
        image_id: `${source}-${well}-${channel}`,
        shm_name: writeSegment(pixels(seed)),
        metadata: { source, well, channel },
        // Mask is a labels layer: it must come back as one (ids, never averaged)
        ...(source === 'Mask' ? { data_type: 'labels' as const } : {})
      }
    ]
  });
  expect(reply).toMatchObject({ status: 'success', accepted: 1 });
}

/** Planes whose metadata is in the store (a plane's metadata is written after its chunk). */
function savedPlanes(port: number): string[] {
  if (!fs.existsSync(planesDir(port))) return [];
  return fs
    .readdirSync(planesDir(port))
    .filter(n => /^p\d+$/.test(n) && fs.existsSync(path.join(planesDir(port), n, 'zarr.json')));
}

async function waitSaved(port: number, count: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (savedPlanes(port).length !== count && Date.now() < deadline)
    await new Promise(r => setTimeout(r, 50));
  expect(savedPlanes(port)).toHaveLength(count);
}

async function plane(port: number, layer: string, well: string, channel: number) {
  const reply = await getPlane(port, planeQuery(layer, { well, channel }, 4096));
  expect(reply.status).toBe(200);
  return new Uint16Array(reply.body.buffer, reply.body.byteOffset, reply.body.byteLength / 2);
}

const SLOTS = [
  ['Raw', 'A01', 1],
  ['Raw', 'A01', 2],
  ['Raw', 'B02', 1],
  ['Raw', 'B02', 2],
  ['Mask', 'A01', 1],
  ['Mask', 'B02', 1]
] as const;

describe('a restarted server shows the layers the last one held', () => {
  let before: ReturnType<typeof shown>;

  it('kill -9 with layers held, start again: same layers, same pixels', async () => {
    let server = await start(PORT);
    for (const [i, [source, well, channel]] of SLOTS.entries())
      await send(PORT, source, well, channel, i);
    await waitSaved(PORT, SLOTS.length);
    before = shown(await state(PORT));
    expect(before.map(l => [l.key, l.kind, l.image_count])).toEqual([
      ['source_Mask', 'labels', 2],
      ['source_Raw', undefined, 4]
    ]);
    await stop(server, 'SIGKILL');

    server = await start(PORT);
    expect(shown(await state(PORT))).toEqual(before);
    // marked restored until a live image arrives
    expect((await state(PORT)).layers.map(l => l.origin)).toEqual(['restored', 'restored']);
    for (const [i, [source, well, channel]] of SLOTS.entries())
      expect(await plane(PORT, `source_${source}`, well, channel)).toEqual(pixels(i));
    expect(fs.readFileSync(logFile(PORT), 'utf8')).toMatch(
      /store: restored 2 layer\(s\), 6 plane\(s\)/
    );
    await send(PORT, 'Mask', 'A01', 1, 4); // the same pixels again, now live
    const origins = new Map((await state(PORT)).layers.map(l => [l.key, l.origin]));
    expect(origins).toEqual(
      new Map([
        ['source_Raw', 'restored'],
        ['source_Mask', undefined]
      ])
    );
    await stop(server); // stop keeps the store
    expect(savedPlanes(PORT)).toHaveLength(SLOTS.length);
  });

  it('a store with a truncated chunk loads what is whole and reports the rest', async () => {
    // The chunk of Mask B02 loses its second half.
    const last = savedPlanes(PORT).find(p =>
      fs.readFileSync(path.join(planesDir(PORT), p, 'zarr.json'), 'utf8').includes('/Mask/B02_c1')
    )!;
    const chunk = path.join(planesDir(PORT), last, 'c', '0', '0');
    fs.truncateSync(chunk, fs.statSync(chunk).size / 2);
    const server = await start(PORT);
    const after = shown(await state(PORT));
    expect(after.find(l => l.key === 'source_Raw')).toEqual(
      before.find(l => l.key === 'source_Raw')
    );
    expect(after.find(l => l.key === 'source_Mask')?.image_count).toBe(1);
    for (const [i, [source, well, channel]] of SLOTS.slice(0, 5).entries())
      expect(await plane(PORT, `source_${source}`, well, channel)).toEqual(pixels(i));
    expect(fs.readFileSync(logFile(PORT), 'utf8')).toContain(
      `store: plane ${last}: its chunk holds ${(H * W * 2) / 2} bytes, ${H * W * 2} expected (truncated); skipped and removed`
    );
    await stop(server);
    expect(savedPlanes(PORT)).toHaveLength(SLOTS.length - 1);
  });

  it('--fresh starts empty; Clear empties the store', async () => {
    let server = await start(PORT, ['--fresh']);
    expect((await state(PORT)).layers).toEqual([]);
    expect(savedPlanes(PORT)).toEqual([]);
    await send(PORT, 'Raw', 'A01', 1, 0);
    await waitSaved(PORT, 1);
    const reply = await controlRequest(PORT, { type: 'clear_state' }, { timeoutMs: 10_000 });
    expect(reply.type).toBe('clear_state_ack');
    await waitSaved(PORT, 0);
    await stop(server);
    server = await start(PORT);
    expect((await state(PORT)).layers).toEqual([]);
    await stop(server);
  });
});

it('a store of another version is refused with a clear message and left untouched', async () => {
  const port = PORT + 1;
  fs.mkdirSync(planesDir(port), { recursive: true });
  const version = JSON.stringify({ format: 'jupyterlab-pipeline-viewer layer store', version: 99 });
  fs.writeFileSync(path.join(storeDir(port), 'store.json'), version);
  fs.mkdirSync(path.join(planesDir(port), 'p1'));
  fs.writeFileSync(path.join(planesDir(port), 'p1', 'zarr.json'), '{"zarr_format": 3}');
  const listing = () =>
    fs
      .readdirSync(storeDir(port), { recursive: true })
      .map(n => `${n}:${fs.statSync(path.join(storeDir(port), String(n))).mtimeMs}`)
      .sort();
  const untouched = listing();
  const server = spawnMain(port, home, ['--log', logFile(port)]);
  expect(await within(server.exit, 30_000)).toBe(4);
  const log = fs.readFileSync(logFile(port), 'utf8');
  expect(log).toContain(
    `${storeDir(port)} is layer store version 99, this server reads version 1; it was left untouched`
  );
  expect(log).toContain('--fresh to delete it');
  expect(listing()).toEqual(untouched);
  expect(fs.readFileSync(path.join(storeDir(port), 'store.json'), 'utf8')).toBe(version);
});

it('the store size bound removes the layers changed longest ago, a log line each', async () => {
  const port = PORT + 2;
  // A plane takes 6 KiB of pixels + 8 KiB overhead: the bound holds 3 planes, not 4.
  let server = await start(port, ['--store-limit', '50K']);
  for (const [i, source] of ['First', 'Second', 'Third', 'Fourth'].entries())
    await send(port, source, 'A01', 1, i);
  expect((await state(port)).layers.map(l => l.key).sort()).toEqual([
    'source_Fourth',
    'source_Second',
    'source_Third'
  ]);
  await waitSaved(port, 3);
  expect(fs.readFileSync(logFile(port), 'utf8')).toMatch(
    /store: removed layer "source_First" \(1 plane\(s\), 14336 bytes, the least recently changed\) to keep the layer store within --store-limit 51200 bytes/
  );
  // A layer written again is no longer the oldest.
  await send(port, 'Second', 'A01', 2, 9);
  await send(port, 'Fifth', 'A01', 1, 5);
  expect((await state(port)).layers.map(l => l.key).sort()).toEqual([
    'source_Fifth',
    'source_Second'
  ]);
  await stop(server);
  server = await start(port, ['--store-limit', '50K']);
  expect((await state(port)).layers.map(l => l.key).sort()).toEqual([
    'source_Fifth',
    'source_Second'
  ]);
  await stop(server);
});
