/**
 * Bad TIFFs get an error naming the file and what is wrong: truncated files, damaged IFD
 * chains, unsupported compression, pages of different sizes, strips too short for the image.
 * TIFFs our reader leaves to itk-wasm (PackBits, BigTIFF) still load. Files come from our own
 * writer (then damaged on purpose), from tifffile and from itk-wasm.
 */
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeImageNode } from '@itk-wasm/image-io';
import { DiskBackend } from '../../src/runtime/storage/disk-backend.js';
import { createNdArray } from '../../src/runtime/model/image-data.js';
import { python } from './python.js';

const ramp = (shape: number[]) =>
  createNdArray(
    new Uint16Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => i % 1000),
    shape
  );

describe('DiskBackend: bad TIFFs', () => {
  let dir: string;
  const disk = new DiskBackend();
  const file = (name: string) => path.join(dir, name);
  /** The load error of `name`, which must name the file. */
  const loadError = async (name: string): Promise<string> => {
    const error = await disk.load(file(name)).then(
      () => null,
      (e: Error) => e
    );
    expect(error?.message).toContain(`[disk backend] ${file(name)}: cannot read TIFF: `);
    return error!.message;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tiff-errors-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses truncated files and says where they end', async () => {
    await disk.save(ramp([64, 64]), file('half.tif'));
    await truncate(file('half.tif'), 4000);
    expect(await loadError('half.tif')).toMatch(
      /the image needs 8192 bytes of uncompressed pixels but the file has 4000 \(truncated or damaged\)/
    );
    await disk.save(ramp([64, 64]), file('end.tif'));
    await truncate(file('end.tif'), 8200);
    expect(await loadError('end.tif')).toMatch(
      /page 0: strip 0 ends at byte 8\d{3} but the file has 8200 bytes \(truncated\)/
    );
    await disk.save(ramp([64, 64]), file('header.tif'));
    await truncate(file('header.tif'), 20);
    expect(await loadError('header.tif')).toMatch(
      /IFD 0 ends at byte \d+ but the file has 20 bytes \(truncated or damaged\)/
    );
    await writeFile(file('tiny.tif'), 'II*');
    expect(await loadError('tiny.tif')).toMatch(/the file is 3 bytes, too short for a TIFF header/);
    await writeFile(file('text.tif'), 'just some text, not an image');
    expect(await loadError('text.tif')).toMatch(/not a TIFF file/);
  });

  it('refuses a looping IFD chain and strips too short for the image', async () => {
    await disk.save(ramp([2, 8, 8]), file('loop.tif'));
    const bytes = await readFile(file('loop.tif'));
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const second = ifdOffsets(view)[1];
    // The second page's "next IFD" points back at the first.
    view.setUint32(second + 2 + view.getUint16(second, true) * 12, 8, true);
    await writeFile(file('loop.tif'), bytes);
    expect(await loadError('loop.tif')).toMatch(/the IFD chain loops back to byte 8/);

    await disk.save(ramp([8, 8]), file('short.tif'));
    const short = await readFile(file('short.tif'));
    setTag(new DataView(short.buffer, short.byteOffset), 279, 100); // StripByteCounts
    await writeFile(file('short.tif'), short);
    expect(await loadError('short.tif')).toMatch(
      /page 0: its strips hold 100 bytes, the image needs 128/
    );
  });

  it('names unsupported compression and pages of different sizes', async () => {
    await python(
      `
import sys, numpy as np, tifffile
d = sys.argv[1]
tifffile.imwrite(d + '/lzma.tif', np.ones((20, 30), 'uint16'), compression='lzma')
tifffile.imwrite(d + '/mixed.tif', np.ones((16, 30), 'uint16'))
tifffile.imwrite(d + '/mixed.tif', np.ones((10, 20), 'uint16'), append=True)
tifffile.imwrite(d + '/bigtiff.tif', np.arange(600, dtype='uint16').reshape(20, 30), bigtiff=True)
`,
      [dir]
    );
    expect(await loadError('lzma.tif')).toMatch(
      /compression 34925 \(LZMA\) is not supported; save the file uncompressed or with LZW \/ deflate .* \(itk-wasm could not read it either/
    );
    expect(await loadError('mixed.tif')).toMatch(
      /page 1 is 20×10 uint16 but page 0 is 30×16 uint16; a stack's pages must match/
    );
    // BigTIFF: our reader says no, itk-wasm (libtiff) reads it.
    const big = await disk.load(file('bigtiff.tif'));
    expect(big.shape).toEqual([20, 30]);
    expect(big.data[599]).toBe(599);
  });

  it('leaves PackBits (as itk-wasm writes it when asked to compress) to itk-wasm', async () => {
    const data = new Uint16Array(40 * 30).map((_, i) => i % 17);
    await writeImageNode(
      {
        imageType: { dimension: 2, componentType: 'uint16', pixelType: 'Scalar', components: 1 },
        name: 'packbits',
        origin: [0, 0],
        spacing: [1, 1],
        direction: new Float64Array([1, 0, 0, 1]),
        size: [40, 30],
        data,
        metadata: new Map()
      },
      file('packbits.tif'),
      { useCompression: true }
    );
    const array = await disk.load(file('packbits.tif'));
    expect(array.shape).toEqual([30, 40]);
    expect(Array.from(array.data)).toEqual(Array.from(data));
  });
});

/** IFD offsets of a little-endian TIFF. */
function ifdOffsets(view: DataView): number[] {
  const out: number[] = [];
  for (let at = view.getUint32(4, true); at !== 0 && out.length < 10;) {
    out.push(at);
    at = view.getUint32(at + 2 + view.getUint16(at, true) * 12, true);
  }
  return out;
}

/** Sets a one-value LONG tag of the first IFD. */
function setTag(view: DataView, tag: number, value: number): void {
  const at = view.getUint32(4, true);
  for (let i = 0; i < view.getUint16(at, true); i++) {
    const entry = at + 2 + i * 12;
    if (view.getUint16(entry, true) === tag) view.setUint32(entry + 8, value, true);
  }
}
