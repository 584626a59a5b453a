import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as zarr from 'zarrita';
import FileSystemStore from '@zarrita/storage/fs';
import { ZarrBackend } from './zarr-backend.js';
import { FileManager } from './file-manager.js';
import { MemoryBackend } from './memory-backend.js';
import { createNdArray, type NdArray } from '../model/image-data.js';

const plane = (seed: number, ny = 6, nx = 5): NdArray =>
  createNdArray(
    Uint16Array.from({ length: ny * nx }, (_, i) => seed * 1000 + i),
    [ny, nx]
  );

const json = async (file: string) => JSON.parse(await readFile(file, 'utf8'));

describe('ZarrBackend (OME-Zarr HCS plate on disk)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'zarr-backend-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a plate that a fresh FileManager and plain zarrita read back', async () => {
    const out = path.join(dir, 'results');
    const fm = new FileManager([
      new MemoryBackend(),
      new ZarrBackend({ channelNames: { '1': 'DAPI', '2': 'GFP' } })
    ]);
    const names = [
      'B03_s001_w1_z001_t001.tif',
      'A01_s002_w2_z003_t001.tif',
      'A01_s001_w1_z001_t002.tif',
      'A01_s001_w2_z002_t001.tif'
    ];
    await fm.saveBatch(
      names.map((_, i) => plane(i + 1)),
      names.map(n => path.join(out, n)),
      'zarr'
    );

    // Layout: results.zarr next to the folder, NGFF 0.4 plate → wells → fields.
    const store = path.join(dir, 'results.zarr');
    const plateAttrs = await json(path.join(store, '.zattrs'));
    expect(plateAttrs.plate).toMatchObject({
      version: '0.4',
      name: 'results',
      rows: [{ name: 'A' }, { name: 'B' }],
      columns: [{ name: '01' }, { name: '03' }],
      wells: [
        { path: 'A/01', rowIndex: 0, columnIndex: 0 },
        { path: 'B/03', rowIndex: 1, columnIndex: 1 }
      ],
      field_count: 2
    });
    expect((await json(path.join(store, 'A/01/.zattrs'))).well.images).toEqual([
      { path: '0' },
      { path: '1' }
    ]);
    const field = await json(path.join(store, 'A/01/0/.zattrs'));
    expect(field.multiscales[0].axes.map((a: { name: string }) => a.name)).toEqual([
      't',
      'c',
      'z',
      'y',
      'x'
    ]);
    expect(field.omero.channels.map((c: { label: string }) => c.label)).toEqual(['DAPI', 'GFP']);
    expect(field.omero.channels[1].window).toMatchObject({ start: 4000, end: 4029 });
    // Every field of the plate shares one (t, c, z) extent (ome-zarr tiles fields into one array).
    expect((await json(path.join(store, 'A/01/0/0/.zarray'))).shape).toEqual([2, 2, 3, 6, 5]);
    expect((await json(path.join(store, 'B/03/0/0/.zarray'))).shape).toEqual([2, 2, 3, 6, 5]);

    // Plain zarrita, no backend code: the plane sits at [t, c, z] = [0, 1, 1].
    const arr = await zarr.open.v2(zarr.root(new FileSystemStore(store)).resolve('A/01/0/0'), {
      kind: 'array',
      attrs: false
    });
    const raw = await zarr.get(arr, [0, 1, 1, null, null]);
    expect(Array.from(raw.data as Uint16Array)).toEqual(Array.from(plane(4).data));

    const again = new FileManager([new ZarrBackend()]);
    for (const [i, n] of names.entries()) {
      const back = await again.load(path.join(out, n), 'zarr');
      expect(back.shape).toEqual([6, 5]);
      expect(back.dtype).toBe('uint16');
      expect(Array.from(back.data)).toEqual(Array.from(plane(i + 1).data));
    }
    expect(await again.list(out, 'zarr')).toEqual([...names].sort().map(n => path.join(out, n)));
    expect(await again.exists(path.join(out, 'A01_s1_w2_z2.tif'), 'zarr')).toBe(true); // same plane, other spelling
    expect(await again.exists(path.join(out, 'A01_s001_w3_z001_t001.tif'), 'zarr')).toBe(false);
    expect(await again.exists(path.join(out, 'C01_s001_w1_z001_t001.tif'), 'zarr')).toBe(false);
    expect(await again.list(path.join(dir, 'elsewhere'), 'zarr')).toEqual([]);
  });

  it('uses a folder ending in .zarr as the store and saves/loads 3D stacks', async () => {
    const zb = new ZarrBackend();
    const stack = createNdArray(
      Float32Array.from({ length: 3 * 4 * 4 }, (_, i) => i / 2),
      [3, 4, 4]
    );
    const p = path.join(dir, 'plate.zarr', 'A01_s001_w1_t001.tif');
    await zb.save(stack, p);
    expect(await readdir(dir)).toEqual(['plate.zarr']);
    const back = await zb.load(p);
    expect(back.shape).toEqual([3, 4, 4]);
    expect(back.dtype).toBe('float32');
    expect(Array.from(back.data)).toEqual(Array.from(stack.data));
    // Each plane of the stack is also reachable by its z name.
    const z2 = await zb.load(path.join(dir, 'plate.zarr', 'A01_s001_w1_z002_t001.tif'));
    expect(Array.from(z2.data)).toEqual(Array.from(stack.data.subarray(16, 32)));
  });

  it('replaces a plane saved again, also under another spelling', async () => {
    const zb = new ZarrBackend();
    await zb.save(plane(1), path.join(dir, 'o', 'A01_s1_w1.tif'));
    await zb.save(plane(2), path.join(dir, 'o', 'A01_s001_w1_z001_t001.tif'));
    expect(await zb.list(path.join(dir, 'o'))).toEqual([
      path.join(dir, 'o', 'A01_s001_w1_z001_t001.tif')
    ]);
    expect((await zb.load(path.join(dir, 'o', 'A01_s1_w1.tif'))).data[0]).toBe(2000);
  });

  it('serializes concurrent writers of one store, also across backend instances', async () => {
    const writers = [new ZarrBackend(), new ZarrBackend()];
    const jobs = [];
    for (let w = 1; w <= 4; w++)
      for (let c = 1; c <= 3; c++)
        jobs.push(
          writers[c % 2].save(plane(w * 10 + c), path.join(dir, 'par', `A0${w}_s001_w${c}.tif`))
        );
    await Promise.all(jobs);
    const zb = new ZarrBackend();
    const listed = await zb.list(path.join(dir, 'par'));
    expect(listed).toHaveLength(12);
    for (let w = 1; w <= 4; w++)
      for (let c = 1; c <= 3; c++) {
        const back = await zb.load(path.join(dir, 'par', `A0${w}_s001_w${c}.tif`));
        expect(back.data[0]).toBe((w * 10 + c) * 1000);
      }
    const zattrs = JSON.parse(await readFile(path.join(dir, 'par.zarr', '.zattrs'), 'utf8'));
    expect(zattrs.plate.wells.map((x: { path: string }) => x.path)).toEqual([
      'A/01',
      'A/02',
      'A/03',
      'A/04'
    ]);
  });

  it('gives clear errors', async () => {
    const zb = new ZarrBackend();
    const out = path.join(dir, 'e');
    await expect(zb.save(plane(1), path.join(out, 'image.tif'))).rejects.toThrow(
      /\[zarr backend\] .*image.tif: the zarr backend places images by their file name; expected <well>/
    );
    await expect(zb.load(path.join(out, 'A01_s001_w1.tif'))).rejects.toThrow(
      /no image saved for well A01 site 1 channel 1 z 1 timepoint 1 in store '.*e\.zarr'/
    );
    await zb.save(plane(1), path.join(out, 'A01_s001_w1.tif'));
    await expect(zb.save(plane(1, 7, 5), path.join(out, 'A01_s001_w2.tif'))).rejects.toThrow(
      /field A\/01\/0 .* holds uint16 planes of 6×5, this image is uint16 7×5/
    );
    await expect(
      zb.save(createNdArray(new Uint8Array(8), [2, 2, 2]), path.join(out, 'A01_s001_w1_z001.tif'))
    ).rejects.toThrow(/3D stack needs a name without _z/);
    await expect(zb.save(plane(1), path.join(out, 'A01_s000_w1.tif'))).rejects.toThrow(
      /site 0: ImageXpress numbers count from 1/
    );
    await expect(new ZarrBackend({ root: dir }).save(plane(1), '../A01.tif')).rejects.toThrow(
      /outside the backend's root/
    );
    expect(() => new ZarrBackend({ ngff: '0.3' as never })).toThrow(
      /ngff must be one of 0.4, 0.5, got '0.3'/
    );
  });

  it('notices a store removed or rewritten behind its back', async () => {
    const zb = new ZarrBackend();
    const out = path.join(dir, 'again');
    await zb.save(plane(1), path.join(out, 'A01_s1_w1.tif'));
    await zb.save(plane(2), path.join(out, 'A01_s1_w2.tif'));
    await rm(path.join(dir, 'again.zarr'), { recursive: true });
    // The same backend writes a complete store again, not one missing its plate and groups.
    await zb.save(plane(3), path.join(out, 'A01_s1_w2.tif'));
    expect(await zb.list(out)).toEqual([path.join(out, 'A01_s1_w2.tif')]);
    expect((await json(path.join(dir, 'again.zarr', '.zattrs'))).plate.wells).toHaveLength(1);
    // Another backend's save into the same field is seen by the first one.
    await new ZarrBackend().save(plane(4), path.join(out, 'A01_s1_w3.tif'));
    expect((await zb.load(path.join(out, 'A01_s1_w3.tif'))).data[0]).toBe(4000);
    expect(await zb.exists(path.join(out, 'A01_s1_w1.tif'))).toBe(false);
  });
});
