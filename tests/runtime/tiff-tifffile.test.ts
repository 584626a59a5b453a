/**
 * The disk backend's TIFFs against Python's tifffile (the library OpenHCS writes with): every
 * file we write, tifffile reads back with the same dtype, shape and bytes; every file tifffile
 * writes in the layouts a plate may hold, we read back exactly. Real files, real tifffile.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DiskBackend } from '../../src/runtime/storage/disk-backend.js';
import { createNdArray, type NdArray } from '../../src/runtime/model/image-data.js';
import { DTYPES, typedArrayCtor, type Dtype } from '../../src/protocol/index.js';
import { python } from './python.js';

/** Values that exercise each dtype: extremes, negatives, NaN and infinities for floats. */
function sample(dtype: Dtype, shape: number[]): NdArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new (typedArrayCtor(dtype))(n);
  const bits = Number(/\d+/.exec(dtype)![0]);
  for (let i = 0; i < n; i++) {
    if (dtype.startsWith('float'))
      data[i] = [NaN, Infinity, -Infinity, -0.5][i] ?? (i - n / 2) * 1.25e3;
    else if (dtype.startsWith('uint'))
      data[i] = i === 1 ? 2 ** bits - 1 : (i * 2654435761) % 2 ** bits;
    else
      data[i] =
        i === 1
          ? -(2 ** (bits - 1))
          : i === 2
            ? 2 ** (bits - 1) - 1
            : ((i * 7919) % 2 ** (bits - 1)) - i;
  }
  return createNdArray(data, shape, dtype);
}

const bytesOf = (a: NdArray) => Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);

describe('DiskBackend TIFFs and tifffile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tiff-tifffile-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('tifffile reads every file we write: same dtype, shape and bytes', async () => {
    const disk = new DiskBackend();
    const shapes = [
      [1, 1],
      [37, 53],
      [256, 256],
      [3, 16, 24],
      [4, 9, 7],
      [1, 8, 8]
    ];
    const cases: { tif: string; raw: string; dtype: Dtype; shape: number[] }[] = [];
    for (const dtype of DTYPES) {
      for (const shape of shapes) {
        const name = `${dtype}_${shape.join('x')}`;
        const array = sample(dtype, shape);
        const tif = path.join(dir, 'ours', `${name}.tif`);
        const raw = path.join(dir, `${name}.raw`);
        await disk.save(array, tif);
        await writeFile(raw, bytesOf(array));
        cases.push({ tif, raw, dtype, shape });
      }
    }
    const report = await python(
      `
import json, sys, numpy as np, tifffile
for c in json.loads(sys.argv[1]):
    a = tifffile.imread(c['tif'])
    same = a.astype(a.dtype.newbyteorder('<')).tobytes() == open(c['raw'], 'rb').read()
    print(c['tif'], a.dtype, list(a.shape), same)
`,
      [JSON.stringify(cases)]
    );
    expect(report.trim().split('\n')).toEqual(
      cases.map(c => `${c.tif} ${c.dtype} ${JSON.stringify(c.shape).replace(/,/g, ', ')} True`)
    );
  });

  it('reads back exactly what tifffile writes, in the layouts a plate may hold', async () => {
    const out = path.join(dir, 'theirs');
    const listing = await python(
      `
import os, sys, numpy as np, tifffile
out = sys.argv[1]; os.makedirs(out)
rng = np.random.default_rng(3)
def case(name, a, **kw):
    tifffile.imwrite(f'{out}/{name}.tif', a, **kw)
    a.astype(a.dtype.newbyteorder('<')).tofile(f'{out}/{name}.raw')
    print(name, a.dtype, ','.join(map(str, a.shape)))
for dt in ['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64']:
    case('plane_' + dt, (rng.standard_normal((61, 47)) * 100).astype(dt))
case('stack', rng.integers(0, 65535, (5, 32, 40), dtype='uint16'), photometric='minisblack')
case('three_planes', rng.integers(0, 65535, (3, 16, 24), dtype='uint16'))
case('big_endian', rng.integers(0, 65535, (2, 33, 20), dtype='uint16'), byteorder='>', photometric='minisblack')
case('big_endian_f32', rng.standard_normal((17, 19)).astype('float32'), byteorder='>')
case('strips', rng.integers(0, 65535, (3, 50, 30), dtype='uint16'), rowsperstrip=7, photometric='minisblack')
case('deflate', rng.integers(0, 4000, (64, 80), dtype='uint16'), compression='zlib')
case('deflate_predictor', rng.integers(0, 4000, (2, 64, 80), dtype='uint16'), compression='zlib', predictor=True, photometric='minisblack')
case('tiles', rng.integers(0, 255, (48, 40), dtype='uint8'), tile=(16, 16))
case('rgb', rng.integers(0, 255, (20, 30, 3), dtype='uint8'), photometric='rgb')
case('float_big', rng.standard_normal((512, 512)).astype('float32'))
`,
      [out]
    );
    const disk = new DiskBackend();
    const lines = listing.trim().split('\n');
    expect(lines).toHaveLength(18);
    for (const line of lines) {
      const [name, dtype, shape] = line.split(' ');
      const array = await disk.load(path.join(out, `${name}.tif`));
      const expected = await readFile(path.join(out, `${name}.raw`));
      expect({ name, dtype: array.dtype, shape: array.shape.join(',') }).toEqual({
        name,
        dtype,
        shape
      });
      expect(bytesOf(array).equals(expected)).toBe(true);
    }
  });
});
