import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readPlate } from './read-plate.js';
import { patternRegExp } from './pattern-plate.js';

// Names only: the pattern reader lists files, pixels are read later by the disk backend.
async function touch(dir: string, ...names: string[]): Promise<void> {
  for (const n of names) {
    await mkdir(path.dirname(path.join(dir, n)), { recursive: true });
    await writeFile(path.join(dir, n), 'x');
  }
}

describe('readPlate with a file pattern', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pattern-plate-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('maps numbered rows and columns, fields, planes, channels and timepoints', async () => {
    await touch(
      dir,
      'r02c03f01p02-ch1sk1fk1fl1.tiff',
      'r01c12f02p01-ch2sk3fk1fl1.tiff',
      'notes.txt'
    );
    const plate = await readPlate(dir, {
      pattern: 'r{row}c{column}f{site}p{z}-ch{channel}sk{t}*.tiff',
      pixelSize: { x: 0.3, y: 0.3, unit: 'micrometer' }
    });
    expect(plate.format).toBe('pattern');
    expect(plate.wells).toEqual(['A12', 'B03']);
    expect(
      plate.images.map(i => [
        path.basename(i.path),
        i.well,
        i.site,
        i.channel,
        i.z_index,
        i.timepoint
      ])
    ).toEqual([
      ['r01c12f02p01-ch2sk3fk1fl1.tiff', 'A12', 2, 2, 1, 3],
      ['r02c03f01p02-ch1sk1fk1fl1.tiff', 'B03', 1, 1, 2, 1]
    ]);
    expect(plate.pixelSize).toEqual({ x: 0.3, y: 0.3, unit: 'micrometer' });
    expect(plate.pixels).toBeNull();
  });

  it('numbers named channels and keeps their names; reaches into subfolders; takes a RegExp', async () => {
    await touch(dir, 'plate1/A01/GFP.tif', 'plate1/A01/DAPI.tif', 'plate1/B02/DAPI.tif');
    const plate = await readPlate(dir, { pattern: 'plate1/{well}/{channel}.tif' });
    expect(plate.channelNames).toEqual({ '1': 'DAPI', '2': 'GFP' });
    expect(plate.images.map(i => [i.well, i.channel])).toEqual([
      ['A01', 1],
      ['A01', 2],
      ['B02', 1]
    ]);
    const byRegExp = await readPlate(dir, {
      pattern: /^plate1\/(?<well>[A-P]\d\d)\/(?<channel>[A-Z]+)\.tif$/
    });
    expect(byRegExp.images).toEqual(plate.images);
  });

  it('explains patterns that cannot work', async () => {
    await touch(dir, 'A01_x.tif');
    expect(() => patternRegExp('{well}_{colour}.tif')).toThrow(
      /unknown part \{colour\}; use \{well\}/
    );
    await expect(readPlate(dir, { pattern: '{site}.tif' })).rejects.toThrow(/names no well/);
    await expect(readPlate(dir, { pattern: '{well}_s{site}.tif' })).rejects.toThrow(
      /no file matches the pattern \{well\}_s\{site\}.tif \(files found: 'A01_x.tif'\)/
    );
  });
});
