import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readPlate } from './read-plate.js';
import { formatHtd, parseHtdChannelNames } from './htd.js';

// Names only matter here; pixel reading is covered by the disk backend tests.
async function touch(dir: string, ...names: string[]): Promise<void> {
  for (const n of names) {
    await mkdir(path.dirname(path.join(dir, n)), { recursive: true });
    await writeFile(path.join(dir, n), 'x');
  }
}

describe('readPlate', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'plate-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads wells, components and channel names from the .HTD', async () => {
    await touch(
      dir,
      'B01_s001_w1_z001_t001.tif',
      'A02_s002_w2_z001_t001.tif',
      'A02_s001_w1_z001_t001.tif',
      'notes.txt'
    );
    await writeFile(
      path.join(dir, 'plate.HTD'),
      formatHtd({
        rows: 8,
        columns: 12,
        sites: 2,
        channelNames: ['DAPI', 'GFP'],
        zPlanes: 1,
        timepoints: 1
      })
    );
    const plate = await readPlate(dir);
    expect(plate.root).toBe(path.resolve(dir));
    expect(plate.name).toBe(path.basename(dir));
    expect(plate.wells).toEqual(['A02', 'B01']);
    expect(plate.images.map(i => path.basename(i.path))).toEqual([
      'A02_s001_w1_z001_t001.tif',
      'A02_s002_w2_z001_t001.tif',
      'B01_s001_w1_z001_t001.tif'
    ]);
    expect(plate.images[1]).toMatchObject({
      well: 'A02',
      site: 2,
      channel: 2,
      z_index: 1,
      timepoint: 1
    });
    expect(plate.channelNames).toEqual({ '1': 'DAPI', '2': 'GFP' });
  });

  it('tolerates missing parts and has no channel names without metadata', async () => {
    await touch(dir, 'A01_w1.tif', 'A01_w2.tif', 'A01.TIF');
    const plate = await readPlate(dir);
    expect(plate.images.map(i => [i.site, i.channel, i.z_index, i.timepoint])).toEqual([
      [null, null, null, null],
      [null, 1, null, null],
      [null, 2, null, null]
    ]);
    expect(plate.channelNames).toEqual({});
  });

  it('takes timepoint and z from TimePoint_N/ZStep_M folders, HTD from the plate folder', async () => {
    await touch(
      dir,
      'TimePoint_1/A01_s1_w1.tif',
      'TimePoint_2/A01_s1_w1.tif',
      'TimePoint_2/ZStep_3/A01_s1_w1.tif',
      'other/A09_s1.tif'
    );
    await writeFile(path.join(dir, 'x.htd'), '"WaveName1", "Hoechst"\r\n');
    const plate = await readPlate(dir);
    expect(plate.images.map(i => [i.timepoint, i.z_index])).toEqual([
      [1, null],
      [2, null],
      [2, 3]
    ]);
    expect(plate.wells).toEqual(['A01']); // `other/` is not a MetaXpress folder
    const inner = await readPlate(path.join(dir, 'TimePoint_1'));
    expect(inner.channelNames).toEqual({ '1': 'Hoechst' });
    expect(inner.name).toBe(path.basename(dir));
  });

  it('names bad files and the expected pattern', async () => {
    await touch(dir, 'A01_s1_w1.tif', 'scan 0001.tif', 'A01_s1_wX.tif');
    await expect(readPlate(dir)).rejects.toThrow(
      /2 file\(s\) do not follow the ImageXpress naming: 'A01_s1_wX.tif', 'scan 0001.tif'|2 file\(s\) do not follow the ImageXpress naming: 'scan 0001.tif', 'A01_s1_wX.tif'/
    );
    await expect(readPlate(dir)).rejects.toThrow(/Expected <well>\[_s<site>\]/);
  });

  it('rejects duplicate images', async () => {
    await touch(dir, 'A01_s1.tif', 'A01_s001.tiff');
    await expect(readPlate(dir)).rejects.toThrow(/name the same image/);
  });

  it('gives clear errors for a missing, empty or file path', async () => {
    await expect(readPlate(path.join(dir, 'nope'))).rejects.toThrow(/does not exist/);
    await expect(readPlate(dir)).rejects.toThrow(
      /no plate format fits. Tried OME-Zarr .*ImageXpress/
    );
    await touch(dir, 'f.tif');
    await expect(readPlate(path.join(dir, 'f.tif'))).rejects.toThrow(/is a file, not a folder/);
  });

  it('parses HTD channel names, ignoring blanks', () => {
    expect(
      parseHtdChannelNames(
        '"NWavelengths", 3\n"WaveName1", "DAPI"\n"WaveName2", ""\n "WaveName3" , "Cy5 " \n'
      )
    ).toEqual({ '1': 'DAPI', '3': 'Cy5' });
  });
});
