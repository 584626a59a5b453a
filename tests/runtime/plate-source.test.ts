/**
 * PlateSource (issue 17, open a plate from disk) on files written by the formats' reference
 * writers: an OME-Zarr plate with a pyramid written by ome-zarr-py serves each stored level
 * with the pixels zarr-python reads from that level; a Harmony export (TIFF files) serves its
 * planes at level 0 only; a plate whose well is a symlink out of the folder is not read.
 */
import { mkdtemp, rename, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PlateSource } from '../../src/runtime/plate/plate-source.js';
import { makePlate } from './fixture-plates.js';
import { python } from './python.js';

/** 2 wells × 1 field × (2 c, 3 z), 64×48 uint16, levels 64×48 and 32×24, by ome-zarr-py. */
const PYRAMID = `
import sys, json, numpy as np, zarr
from ome_zarr.format import FormatV04
from ome_zarr.writer import write_image, write_plate_metadata, write_well_metadata
root = zarr.open_group(sys.argv[1], mode='w', zarr_format=2)
write_plate_metadata(root, ['A', 'B'], ['1'], ['A/1', 'B/1'], fmt=FormatV04(), name='Pyramid')
w = {'min': 0, 'max': 65535, 'start': 0, 'end': 4000}
for i, row in enumerate(['A', 'B']):
    well = root.require_group(row).require_group('1')
    write_well_metadata(well, [{'path': '0'}], fmt=FormatV04())
    y, x = np.mgrid[0:64, 0:48]
    data = np.stack([np.stack([((i * 100 + c * 10 + z + y * 3 + x) % 4000).astype(np.uint16)
                               for z in range(3)]) for c in range(2)])[None]
    write_image(data, well.require_group('0'), scale_factors=[2], fmt=FormatV04(), axes='tczyx',
                omero={'channels': [{'label': n, 'color': 'FFFFFF', 'window': w} for n in ('DAPI', 'GFP')]})
field = zarr.open_group(sys.argv[1] + '/B/1/0', mode='r')
level = field[field.attrs['multiscales'][0]['datasets'][1]['path']]
plane = np.asarray(level[0, 1, 2])
print(json.dumps({'shape': list(level.shape), 'sum': int(plane.sum()), 'first': plane.ravel()[:5].tolist()}))
`;

const sum = (data: ArrayLike<number>) => Array.from(data).reduce((a, b) => a + b, 0);

describe('PlateSource', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'plate-source-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it("serves an OME-Zarr plate's stored levels as zarr-python reads them", async () => {
    const dir = path.join(tmp, 'pyramid.zarr');
    const level1 = JSON.parse(await python(PYRAMID, [dir])) as {
      shape: number[];
      sum: number;
      first: number[];
    };
    const source = await PlateSource.open(dir);
    const d = source.description;
    expect(d).toMatchObject({
      format: 'ome-zarr',
      name: 'Pyramid',
      images: 12,
      dtype: 'uint16',
      shape: [64, 48],
      levels: [
        [64, 48],
        [32, 24]
      ],
      axes: {
        well: ['A01', 'B01'],
        site: [1],
        channel: [1, 2],
        z_index: [1, 2, 3],
        timepoint: [1]
      },
      channelNames: { '1': 'DAPI', '2': 'GFP' }
    });
    const at = { well: 'B01', site: 1, channel: 2, z_index: 3, timepoint: 1 };
    const small = await source.plane(at, 1);
    expect(small.shape).toEqual(level1.shape.slice(-2));
    expect(sum(small.data)).toBe(level1.sum);
    expect(Array.from(small.data.slice(0, 5))).toEqual(level1.first);
    const full = await source.plane(at, 0);
    expect(full.shape).toEqual([64, 48]);
    expect(full.data[0]).toBe(100 + 1 * 10 + 2); // well B, c index 1, z index 2, y = x = 0
    await expect(source.plane(at, 2)).rejects.toThrow(/stores 2 level\(s\) \(0–1\); level 2 asked/);
    await expect(source.plane({ ...at, well: 'C01' }, 0)).rejects.toThrow(
      /has no image at well C01/
    );
  });

  it("serves a Harmony export's TIFF planes at level 0, with the plate's metadata", async () => {
    const dir = path.join(tmp, 'harmony');
    const manifest = await makePlate('harmony', dir);
    const source = await PlateSource.open(dir);
    expect(source.description).toMatchObject({
      format: 'harmony',
      images: manifest.images.length,
      dtype: 'uint16',
      shape: [24, 32],
      levels: [[24, 32]],
      axes: {
        well: ['A01', 'B02'],
        site: [1, 2],
        channel: [1, 2],
        z_index: [1, 2, 3],
        timepoint: [1, 2]
      },
      channelNames: { '1': 'HOECHST 33342', '2': 'Alexa 488' },
      pixelSize: { unit: 'micrometer' }
    });
    for (const image of manifest.images.filter((_, i) => i % 7 === 0)) {
      const plane = await source.plane(image);
      expect(sum(plane.data)).toBe(image.sum);
    }
    await expect(source.plane(manifest.images[0], 1)).rejects.toThrow(/stores 1 level/);
  });

  it('reads no file outside the plate folder: a well linked from elsewhere is refused', async () => {
    const dir = path.join(tmp, 'linked.zarr');
    await python(PYRAMID, [dir]);
    const outside = path.join(tmp, 'outside-well');
    await rename(path.join(dir, 'B', '1'), outside);
    await symlink(outside, path.join(dir, 'B', '1'));
    const source = await PlateSource.open(dir);
    const at = { well: 'B01', site: 1, channel: 1, z_index: 1, timepoint: 1 };
    await expect(source.plane(at, 0)).rejects.toThrow(/lies outside the plate folder/);
    await expect(source.plane(at, 1)).rejects.toThrow(/lies outside the plate folder/);
    expect((await source.plane({ ...at, well: 'A01' }, 0)).shape).toEqual([64, 48]);
  });
});
