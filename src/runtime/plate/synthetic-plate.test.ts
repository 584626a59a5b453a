import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeSyntheticPlate } from './synthetic-plate.js';
import { readPlate } from './read-plate.js';
import { DiskBackend } from '../storage/disk-backend.js';
import type { NdArray } from '../model/image-data.js';

const mean = (a: NdArray): number => Array.from(a.data).reduce((s, v) => s + v, 0) / a.data.length;

describe('writeSyntheticPlate', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'synthetic-plate-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // Small plates: itk-wasm instantiates its TIFF pipeline per file, which is slow under jest.
  const small = {
    wells: 2,
    sites: 1,
    channels: ['DAPI', 'GFP', 'RFP'],
    zPlanes: 2,
    width: 96,
    height: 80,
    seed: 7
  };
  const tiny = { wells: 2, sites: 1, channels: 2, zPlanes: 1, width: 48, seed: 3 };

  it('writes an ImageXpress plate that readPlate reads back with channel names', async () => {
    const plate = await writeSyntheticPlate(path.join(dir, 'a'), small);
    expect(plate.files).toHaveLength(2 * 1 * 3 * 2);
    expect(plate.wells).toEqual(['A01', 'A02']);
    const read = await readPlate(plate.dir);
    expect(read.wells).toEqual(['A01', 'A02']);
    expect(read.images).toHaveLength(12);
    expect(read.channelNames).toEqual({ '1': 'DAPI', '2': 'GFP', '3': 'RFP' });
    expect(read.images[0]).toMatchObject({
      well: 'A01',
      site: 1,
      channel: 1,
      z_index: 1,
      timepoint: 1
    });
    const image = await new DiskBackend().load(read.images[0].path);
    expect(image).toMatchObject({ dtype: 'uint16', shape: [80, 96] });
  });

  it('is deterministic for a seed and changes with it', async () => {
    const first = await writeSyntheticPlate(path.join(dir, 'b1'), tiny);
    const again = await writeSyntheticPlate(path.join(dir, 'b2'), tiny);
    const other = await writeSyntheticPlate(path.join(dir, 'b3'), { ...tiny, seed: 4 });
    const names = (await readdir(first.dir)).filter(n => n.endsWith('.tif')).sort();
    expect(names).toHaveLength(4);
    expect((await readdir(again.dir)).filter(n => n.endsWith('.tif')).sort()).toEqual(names);
    let differ = 0;
    for (const name of names) {
      const a = await readFile(path.join(first.dir, name));
      expect(a.equals(await readFile(path.join(again.dir, name)))).toBe(true);
      if (!a.equals(await readFile(path.join(other.dir, name)))) differ++;
    }
    expect(differ).toBe(4);
  });

  it('draws cells that differ per well and per channel', async () => {
    const disk = new DiskBackend();
    const load = (well: string, channel: number, z = 1) =>
      disk.load(path.join(dir, 'a', `${well}_s001_w${channel}_z00${z}_t001.tif`));
    const a1 = await load('A01', 1);
    const a2 = await load('A02', 1);
    const peak = Math.max(...Array.from(a1.data));
    expect(peak).toBeGreaterThan(2000); // nuclei stand far above the ~200 background
    expect(Array.from(a1.data)).not.toEqual(Array.from(a2.data));
    expect(Math.abs(mean(a1) - mean(a2))).toBeGreaterThan(1);
    // Channels of one site differ (nuclei vs cytoplasm vs puncta) but overlap in place.
    const gfp = await load('A01', 2);
    expect(Array.from(gfp.data)).not.toEqual(Array.from(a1.data));
    const brightest = a1.data.indexOf(peak);
    expect(gfp.data[brightest]).toBeGreaterThan(mean(gfp));
    // Another z-plane is another image of the same cells.
    const z2 = await load('A01', 1, 2);
    expect(Array.from(z2.data)).not.toEqual(Array.from(a1.data));
  });

  it('supports uint8 and float32 and rejects bad options', async () => {
    const f = await writeSyntheticPlate(path.join(dir, 'f'), {
      wells: ['B02'],
      sites: 1,
      channels: 1,
      zPlanes: 1,
      width: 32,
      dtype: 'float32'
    });
    expect(path.basename(f.files[0])).toBe('B02_s001_w1_z001_t001.tif');
    expect((await new DiskBackend().load(f.files[0])).dtype).toBe('float32');
    const u = await writeSyntheticPlate(path.join(dir, 'u'), {
      wells: 1,
      sites: 1,
      channels: 2,
      zPlanes: 1,
      timepoints: 2,
      width: 32,
      dtype: 'uint8'
    });
    expect(u.files.map(p => path.basename(p))).toEqual([
      'A01_s001_w1_z001_t001.tif',
      'A01_s001_w2_z001_t001.tif',
      'A01_s001_w1_z001_t002.tif',
      'A01_s001_w2_z001_t002.tif'
    ]);
    await expect(writeSyntheticPlate(path.join(dir, 'x'), { wells: 0 })).rejects.toThrow(
      /wells must be a whole number from 1 to 1536, got 0/
    );
    await expect(writeSyntheticPlate(path.join(dir, 'x'), { wells: ['Q'] })).rejects.toThrow(
      /Well 'Q'/
    );
    await expect(
      writeSyntheticPlate(path.join(dir, 'x'), { dtype: 'int64' as 'uint8' })
    ).rejects.toThrow(/dtype must be uint8, uint16 or float32/);
  });
});
