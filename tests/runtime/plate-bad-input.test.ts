/**
 * Bad plates get errors that name the file and say what to do (issue 11, "Bad input"): a
 * truncated TIFF, a plane of the wrong size, a Harmony export missing an Index entry or a
 * file, a folder mixing formats, OME-TIFF pages in a compression the reader lacks. Real files;
 * plates from the reference writers where the format has one (tests/runtime/fixtures).
 */
import { copyFile, mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { compile } from '../../src/runtime/compile/compiler.js';
import { run } from '../../src/runtime/index.js';
import type { NdArray } from '../../src/runtime/model/image-data.js';
import { Pipeline } from '../../src/runtime/model/pipeline.js';
import { Step } from '../../src/runtime/model/step.js';
import { readPlate } from '../../src/runtime/plate/read-plate.js';
import { DiskBackend } from '../../src/runtime/storage/disk-backend.js';
import { makePlate } from './fixture-plates.js';
import { writeTestPlate } from './test-plate.js';

const identity = (stack: NdArray): NdArray => stack;

/** Runs one step over the plate's first well; the well's error message. */
async function runError(plateDir: string, out: string): Promise<string | undefined> {
  const plate = await readPlate(plateDir);
  const pipeline = new Pipeline({
    name: 'check',
    steps: [new Step({ name: 'Same', func: identity, variableComponents: ['z_index'] })]
  });
  const plan = await compile(pipeline, plate, { output_dir: out, well_filter: [plate.wells[0]] });
  const result = await run(plan, { streamSinkFor: null });
  return result.wells[0].error?.message;
}

describe('bad plates', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'plate-bad-input-'));
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it('a truncated TIFF: the run names the file and says it is truncated', async () => {
    const dir = await writeTestPlate(path.join(tmp, 'truncated'), {
      wells: ['A01'],
      sites: 1,
      channels: 1,
      zs: 2
    });
    const bad = path.join(dir, 'A01_s001_w1_z002_t001.tif');
    await truncate(bad, 1000);
    expect(await runError(dir, path.join(tmp, 'truncated-out'))).toMatch(
      new RegExp(`${bad}: cannot read TIFF: .*truncated`)
    );
  });

  it('a plane of the wrong size: the run names the odd file', async () => {
    const dir = await writeTestPlate(path.join(tmp, 'sizes'), {
      wells: ['A01'],
      sites: 1,
      channels: 1,
      zs: 2,
      size: 16
    });
    const odd = path.join(dir, 'A01_s001_w1_z002_t001.tif');
    await new DiskBackend().save(
      { data: new Uint16Array(8 * 12), shape: [8, 12], dtype: 'uint16' },
      odd
    );
    expect(await runError(dir, path.join(tmp, 'sizes-out'))).toMatch(
      new RegExp(
        `plate image '${odd}' is 8×12 uint16 but '.*z001_t001.tif' is 16×16 uint16; .*replace the odd file`
      )
    );
  });

  it('a Harmony export with a TIFF the index does not list, or a listed file missing', async () => {
    const dir = path.join(tmp, 'harmony');
    await makePlate('harmony', dir);
    const images = path.join(dir, 'Images');
    const extra = path.join(images, 'r01c01f09p01-ch1sk1fk1fl1.tiff');
    await copyFile(path.join(images, 'r01c01f01p01-ch1sk1fk1fl1.tiff'), extra);
    await expect(readPlate(dir)).rejects.toThrow(
      /1 TIFF\(s\) have no entry in 'Index.idx.xml': 'Images\/r01c01f09p01-ch1sk1fk1fl1.tiff'. .*export the plate again, or move these files out/
    );
    await unlink(extra);
    await unlink(path.join(images, 'r02c02f02p03-ch2sk2fk1fl1.tiff'));
    await expect(readPlate(dir)).rejects.toThrow(
      /1 image file\(s\) listed in 'Index.idx.xml' are missing: 'Images\/r02c02f02p03-ch2sk2fk1fl1.tiff'. The export is incomplete/
    );
    // A broken index says which file and how to fix it.
    const index = path.join(images, 'Index.idx.xml');
    await writeFile(index, (await readFile(index, 'utf8')).slice(0, 500));
    await expect(readPlate(dir)).rejects.toThrow(
      /Harmony index '.*Index.idx.xml' (is not valid XML|lists no images)/
    );
  });

  it('a folder mixing formats names both', async () => {
    const dir = await writeTestPlate(path.join(tmp, 'mixed'), {
      wells: ['A01'],
      sites: 1,
      channels: 1,
      zs: 1
    });
    await writeFile(path.join(dir, 'other.ome.tif'), 'x');
    await expect(readPlate(dir)).rejects.toThrow(
      /mixes plate formats: OME-TIFF \(1 \.ome\.tif file\(s\)\) and ImageXpress \(.*\)\. Keep one plate per folder/
    );
    await writeFile(path.join(dir, 'Index.xml'), '<EvaluationInputData/>');
    await expect(readPlate(dir)).rejects.toThrow(
      /mixes plate formats: Harmony \(Opera Phenix \/ Operetta\) \(Index.xml\) and OME-TIFF/
    );
  });

  it('OME-TIFF pages in a compression the reader lacks: the run names the file and the fix', async () => {
    const dir = path.join(tmp, 'lzma');
    await makePlate('ome-tiff', dir, 'lzma');
    expect(await runError(dir, path.join(tmp, 'lzma-out'))).toMatch(
      /OME-TIFF '.*A01_f1.ome.tif': cannot read page\(s\) .*compression 34925 \(LZMA\) is not supported; save the file uncompressed or with LZW \/ deflate/
    );
  });
});
