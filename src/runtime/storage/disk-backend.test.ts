import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readImageNode } from '@itk-wasm/image-io';
import { DiskBackend } from './disk-backend.js';
import { FileManager } from './file-manager.js';
import { createNdArray, type NdArray } from '../model/image-data.js';
import type { Dtype } from '../../protocol/index.js';

function ramp(dtype: 'uint8' | 'uint16' | 'float32', shape: number[]): NdArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const Ctor = { uint8: Uint8Array, uint16: Uint16Array, float32: Float32Array }[dtype];
  const data = new Ctor(n);
  for (let i = 0; i < n; i++)
    data[i] = dtype === 'float32' ? i * 0.25 - 3 : (i * 7) % (dtype === 'uint8' ? 256 : 65536);
  return createNdArray(data, shape, dtype);
}

describe('DiskBackend', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'disk-backend-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['uint8', 'uint16', 'float32'] as const)(
    'round-trips a %s plane and a 3D stack',
    async dtype => {
      const fm = new FileManager([new DiskBackend()]);
      const plane = ramp(dtype, [37, 53]);
      const stack = ramp(dtype, [3, 16, 24]);
      const planePath = path.join(dir, 'deep', 'er', 'A01_s001_w1_z001_t001.tif');
      const stackPath = path.join(dir, 'A01_s001_w1_t001.tif');
      await fm.saveBatch([plane, stack], [planePath, stackPath], 'disk');

      const back = await fm.load(planePath, 'disk');
      expect(back.dtype).toBe(dtype);
      expect(back.shape).toEqual([37, 53]);
      expect(Array.from(back.data)).toEqual(Array.from(plane.data));
      const back3 = await fm.load(stackPath, 'disk');
      expect(back3.shape).toEqual([3, 16, 24]);
      expect(Array.from(back3.data)).toEqual(Array.from(stack.data));

      // A real TIFF: itk-wasm reads it on its own, with x fastest.
      const image = await readImageNode(planePath);
      expect(image.size).toEqual([53, 37]);
      expect(image.imageType.componentType).toBe(dtype);
    }
  );

  it('lists only finished files, sorted, and checks existence', async () => {
    const disk = new DiskBackend();
    await disk.save(ramp('uint16', [4, 4]), path.join(dir, 'B01_w1.tif'));
    await disk.save(ramp('uint16', [4, 4]), path.join(dir, 'A01_w1.tif'));
    await writeFile(path.join(dir, '.partial-1-abcd-C01_w1.tif'), 'half');
    expect(await disk.list(dir)).toEqual([
      path.join(dir, 'A01_w1.tif'),
      path.join(dir, 'B01_w1.tif')
    ]);
    expect(await disk.exists(path.join(dir, 'A01_w1.tif'))).toBe(true);
    expect(await disk.exists(path.join(dir, 'A02_w1.tif'))).toBe(false);
    expect(await disk.list(path.join(dir, 'nothing-here'))).toEqual([]);
  });

  it('leaves nothing behind when a write fails, and keeps the old file', async () => {
    const disk = new DiskBackend();
    const target = path.join(dir, 'A01_w1.tif');
    await disk.save(ramp('uint8', [4, 4]), target);
    await expect(
      disk.save(ramp('uint8', [4, 4]), path.join(dir, 'A02_w1.notanimage'))
    ).rejects.toThrow(/no image writer for this extension/);
    // The rename over a folder fails after the TIFF was written: the temp file is removed.
    await mkdir(path.join(dir, 'A03_w1.tif'));
    await expect(disk.save(ramp('uint8', [4, 4]), path.join(dir, 'A03_w1.tif'))).rejects.toThrow(
      /A03_w1.tif: writing failed, nothing was written/
    );
    // So does a write over a file the old one cannot be replaced by (its folder is a file).
    await writeFile(path.join(dir, 'flat'), 'x');
    await expect(
      disk.save(ramp('uint8', [4, 4]), path.join(dir, 'flat', 'A04_w1.tif'))
    ).rejects.toThrow(/flat\/A04_w1.tif: writing failed, nothing was written/);
    // Through itk-wasm too (.nrrd): an existing folder under the name refuses the rename.
    await mkdir(path.join(dir, 'A05_w1.nrrd'));
    await expect(disk.save(ramp('uint8', [4, 4]), path.join(dir, 'A05_w1.nrrd'))).rejects.toThrow(
      /A05_w1.nrrd: writing failed, nothing was written/
    );
    expect((await readdir(dir)).sort()).toEqual([
      'A01_w1.tif',
      'A03_w1.tif',
      'A05_w1.nrrd',
      'flat'
    ]);
    expect((await disk.load(target)).dtype).toBe('uint8');
  });

  it('writes every dtype to TIFF and other formats through itk-wasm', async () => {
    const disk = new DiskBackend();
    for (const [Ctor, dtype] of [
      [Float64Array, 'float64'],
      [Int32Array, 'int32'],
      [Uint32Array, 'uint32'],
      [Int16Array, 'int16'],
      [Int8Array, 'int8']
    ] as const) {
      const data = new Ctor(12).map((_, i) => (i - 5) * 3);
      const file = path.join(dir, `${dtype}.tif`);
      await disk.save(createNdArray(data, [3, 4]), file);
      const back = await disk.load(file);
      expect(back.dtype).toBe(dtype);
      expect(Array.from(back.data)).toEqual(Array.from(data));
    }
    const nrrd = path.join(dir, 'stack.nrrd');
    await disk.save(ramp('uint16', [2, 3, 5]), nrrd);
    const back = await disk.load(nrrd);
    expect(back.shape).toEqual([2, 3, 5]);
    expect(Array.from(back.data)).toEqual(Array.from(ramp('uint16', [2, 3, 5]).data));
  });

  it('gives clear errors for missing files, bad shapes and paths outside its root', async () => {
    const disk = new DiskBackend({ root: dir });
    await expect(disk.load('missing.tif')).rejects.toThrow(
      `[disk backend] ${path.join(dir, 'missing.tif')}: no such file`
    );
    await expect(disk.save(ramp('uint8', [2, 2, 2, 2]), 'x.tif')).rejects.toThrow(
      /expected a 2D plane \[y, x\] or 3D stack/
    );
    await expect(disk.save(ramp('uint8', [4, 4]), '../escape.tif')).rejects.toThrow(
      /outside the backend's root folder/
    );
    await expect(
      disk.save({ data: new Uint8Array(3), shape: [2, 2], dtype: 'uint8' as Dtype }, 'x.tif')
    ).rejects.toThrow(/holds 4 elements but data has 3/);
    await disk.save(ramp('uint8', [4, 4]), 'sub/ok.tif');
    expect(await disk.list('sub')).toEqual([path.join(dir, 'sub', 'ok.tif')]);
  });
});
