/**
 * An OME-Zarr plate is listed from its plate's and wells' metadata and its first field's layout
 * (every field of a plate shares it): a field that differs (here well B1's, written by
 * ome-zarr-py with another shape) is named with a clear error when its pixels are read, while
 * the other wells read as written.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readPlate } from '../../src/runtime/plate/read-plate.js';
import { python } from './python.js';

const WRITE = `
import sys, numpy as np, zarr
from ome_zarr.format import FormatV04
from ome_zarr.writer import write_image, write_plate_metadata, write_well_metadata
root = zarr.open_group(sys.argv[1], mode='w', zarr_format=2)
write_plate_metadata(root, ['A', 'B'], ['1'], ['A/1', 'B/1'], fmt=FormatV04(), field_count=1, name='Odd')
for row, shape in (('A', (2, 1, 16, 24)), ('B', (2, 1, 20, 24))):
    well = root.require_group(row).require_group('1')
    write_well_metadata(well, [{'path': '0'}], fmt=FormatV04())
    data = np.full(shape, 5, dtype=np.uint16)
    write_image(data, well.require_group('0'), scale_factors=[], fmt=FormatV04(), axes='czyx')
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ome-zarr-odd-'));
  await python(WRITE, [path.join(dir, 'odd.zarr')]);
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

it("lists every well; a field whose shape differs from the first field's is named when read", async () => {
  const plate = await readPlate(path.join(dir, 'odd.zarr'));
  expect(plate.wells).toEqual(['A01', 'B01']);
  expect(plate.images).toHaveLength(4); // 2 wells × 2 channels, from the first field's layout
  const [a, b] = ['A01', 'B01'].map(w => plate.images.find(i => i.well === w)!.path);
  const [plane] = await plate.pixels!.load([a]);
  expect(plane.shape).toEqual([16, 24]);
  expect(plane.data.every(v => v === 5)).toBe(true);
  await expect(plate.pixels!.load([b])).rejects.toThrow(
    /array B\/1\/0\/s0 has shape \[2, 1, 20, 24\], the plate's first field \[2, 1, 16, 24\]; the fields of one plate must share/
  );
});
