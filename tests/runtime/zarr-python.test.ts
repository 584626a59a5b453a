/**
 * The zarr backend's plates against the Python tools: ome-zarr-models validates them as NGFF
 * 0.4 (zarr v2) and 0.5 (zarr v3) HCS plates, ome-zarr (ome-zarr-py, napari's reader) opens them
 * as a plate, and zarr-python reads every plane back with the bytes we saved. Real stores.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as zarr from 'zarrita';
import FileSystemStore from '@zarrita/storage/fs';
import { ZarrBackend } from '../../src/runtime/storage/zarr-backend.js';
import { createNdArray, type NdArray } from '../../src/runtime/model/image-data.js';
import type { NgffVersion } from '../../src/runtime/storage/zarr/ome-zarr-layout.js';
import { python } from './python.js';

const CHECK = `
import json, sys, warnings, numpy as np, zarr
store, cases = sys.argv[1], json.loads(sys.argv[2])
group = zarr.open_group(store, mode='r')
fmt = group.metadata.zarr_format
if fmt == 3:
    from ome_zarr_models.v05.hcs import HCS
else:
    from ome_zarr_models.v04.hcs import HCS
with warnings.catch_warnings():
    warnings.simplefilter('error')  # a missing field is a warning in ome-zarr-models
    hcs = HCS.from_zarr(group)
wells = list(hcs.well_groups)
print('models', fmt, hcs.ome_zarr_version, hcs.n_wells, sorted(len(w.attributes.ome.well.images) if fmt == 3 else len(w.attributes.well.images) for w in wells))
for c in cases:
    plane = group[c['array']][tuple(c['index'])]
    raw = np.fromfile(c['raw'], dtype=plane.dtype.newbyteorder('<')).reshape(plane.shape)
    print('plane', c['array'], c['index'], plane.dtype, list(plane.shape), bool(np.array_equal(plane, raw)))
import logging
logging.disable(logging.WARNING)  # ome-zarr logs its version probing
from ome_zarr.io import parse_url
from ome_zarr.reader import Reader
node = list(Reader(parse_url(store))())[0]
montage = node.data[0]
first = group[cases[0]['array']]
tile = np.asarray(montage[0, 0, 0, : first.shape[3], : first.shape[4]])
print('ome-zarr', type(node.specs[0]).__name__, len(montage.shape), bool(np.array_equal(tile, first[0, 0, 0])))
`;

const plane = (seed: number, ny = 24, nx = 20): NdArray =>
  createNdArray(
    Uint16Array.from({ length: ny * nx }, (_, i) => (seed * 7919 + i * 31) % 65536),
    [ny, nx]
  );

describe.each(['0.4', '0.5'] as NgffVersion[])('ZarrBackend NGFF %s and the Python tools', ngff => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), `zarr-python-${ngff}-`));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('validates with ome-zarr-models, opens with ome-zarr, reads back with zarr-python', async () => {
    const zb = new ZarrBackend({ ngff, channelNames: { '1': 'DAPI', '2': 'GFP' } });
    const out = path.join(dir, 'plate');
    const cases: { array: string; index: number[]; raw: string }[] = [];
    let seed = 0;
    for (const well of ['A01', 'B03'])
      for (const site of [1, 2])
        for (const channel of [1, 2])
          for (const z of [1, 2, 3]) {
            const array = plane(++seed);
            await zb.save(array, path.join(out, `${well}_s${site}_w${channel}_z${z}_t1.tif`));
            const raw = path.join(dir, `${seed}.raw`);
            await writeFile(raw, Buffer.from(array.data.buffer));
            const wellPath = `${well[0]}/${well.slice(1)}`;
            cases.push({ array: `${wellPath}/${site - 1}/0`, index: [0, channel - 1, z - 1], raw });
          }
    // A 3D stack under a name without _z fills z 1…3 of timepoint 2.
    const stack = createNdArray(
      new Uint16Array(3 * 24 * 20).map((_, i) => i),
      [3, 24, 20]
    );
    await zb.save(stack, path.join(out, 'A01_s1_w1_t2.tif'));
    for (let z = 0; z < 3; z++) {
      const raw = path.join(dir, `stack${z}.raw`);
      await writeFile(raw, Buffer.from(stack.data.buffer, z * 960, 960));
      cases.push({ array: 'A/01/0/0', index: [1, 0, z], raw });
    }

    const store = path.join(dir, 'plate.zarr');
    const lines = (await python(CHECK, [store, JSON.stringify(cases)])).trim().split('\n');
    const format = ngff === '0.4' ? 2 : 3;
    expect(lines[0]).toBe(`models ${format} ${ngff} 2 [2, 2]`);
    expect(lines.slice(1, -1)).toEqual(
      cases.map(
        c => `plane ${c.array} ${JSON.stringify(c.index).replace(/,/g, ', ')} uint16 [24, 20] True`
      )
    );
    expect(lines.at(-1)).toBe('ome-zarr Plate 5 True');
  });

  it('reads back through plain zarrita and a fresh backend of either version', async () => {
    const store = path.join(dir, 'plate.zarr');
    const root = zarr.root(new FileSystemStore(store));
    const array = await (ngff === '0.4' ? zarr.open.v2 : zarr.open.v3)(root.resolve('B/03/1/0'), {
      kind: 'array'
    });
    expect(array.shape).toEqual([2, 2, 3, 24, 20]); // t 2: the stack in A01 grew every field
    const chunk = await zarr.get(array, [0, 1, 2, null, null]);
    expect(Array.from(chunk.data as Uint16Array)).toEqual(Array.from(plane(24).data));
    // The store keeps its version: a backend left at its default reads and extends it.
    const other = new ZarrBackend();
    const name = path.join(dir, 'plate', 'B03_s002_w002_z003_t001.tif');
    expect(Array.from((await other.load(name)).data)).toEqual(Array.from(plane(24).data));
    await other.save(plane(99), path.join(dir, 'plate', 'C02_s1_w1.tif'));
    expect(await other.list(path.join(dir, 'plate'))).toHaveLength(26);
    const lines = (
      await python(CHECK, [
        store,
        JSON.stringify([{ array: 'C/02/0/0', index: [0, 0, 0], raw: await rawOf(dir, plane(99)) }])
      ])
    )
      .trim()
      .split('\n');
    expect(lines[0]).toBe(`models ${ngff === '0.4' ? 2 : 3} ${ngff} 3 [1, 2, 2]`);
    // Asking for the other version explicitly is refused with the store's own.
    const wrong = new ZarrBackend({ ngff: ngff === '0.4' ? '0.5' : '0.4' });
    await expect(wrong.save(plane(1), name)).rejects.toThrow(
      new RegExp(
        `store '.*plate\\.zarr' is NGFF ${ngff.replace('.', '\\.')} .*write to another folder`
      )
    );
  });
});

async function rawOf(dir: string, array: NdArray): Promise<string> {
  const file = path.join(dir, 'extra.raw');
  await writeFile(file, Buffer.from(array.data.buffer));
  return file;
}
