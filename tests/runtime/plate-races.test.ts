/**
 * Plates and their writers (issue 11, "Races with writers"): a writer's temporary file in a plate
 * folder is never an image, and a plate being written is either read whole or reported as
 * incomplete, never read half-written. Real files, real writers.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readPlate } from '../../src/runtime/plate/read-plate.js';
import { writeSyntheticPlate } from '../../src/runtime/plate/synthetic-plate.js';
import { tempPathFor } from '../../src/runtime/storage/atomic-write.js';
import { formatImageXpressName } from '../../src/runtime/model/image-xpress.js';

const CLI = path.resolve('lib/runtime/plate/generate-plate-cli.js');

/** Runs node with `args`; resolves when it exits 0, else rejects with its stderr. Bounded. */
function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { timeout: 120_000 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`${args.join(' ')} failed: ${stderr || error.message}`)) : resolve()
    );
  });
}

describe('plates and their writers', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'plate-races-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("never takes the disk backend's temporary file for an image; says the plate is being written", async () => {
    const plate = await writeSyntheticPlate(path.join(dir, 'p'), {
      wells: 1,
      sites: 1,
      channels: 1,
      zPlanes: 1,
      width: 16
    });
    const name = formatImageXpressName({
      well: 'A01',
      site: 2,
      channel: 1,
      z_index: 1,
      timepoint: 1
    });
    const temp = tempPathFor(path.join(plate.dir, name));
    await writeFile(temp, 'half a TIFF');
    const reading = readPlate(plate.dir);
    await expect(reading).rejects.toThrow(/is being written: it holds 1 temporary file/);
    await expect(readPlate(plate.dir)).rejects.toThrow(path.basename(temp));
    await rm(temp);
    const read = await readPlate(plate.dir);
    expect(read.wells).toEqual(['A01']); // no fake well from the temporary name
    expect(read.images).toHaveLength(1);
  });

  it('two notebooks generate the demo plate at once: a reader sees no plate or all of it', async () => {
    // Two processes, as two notebooks, each running the generator from lib/ (npx tsc -b).
    const target = path.join(dir, 'demo-plate');
    const args = [
      CLI,
      target,
      '--wells',
      '4',
      '--sites',
      '2',
      '--channels',
      'DAPI,GFP',
      '--z',
      '3',
      '--size',
      '96'
    ];
    const expected = 4 * 2 * 2 * 3;
    const writers = [run(args), run(args)];
    let writing = true;
    void Promise.allSettled(writers).then(() => (writing = false));
    const seen: string[] = [];
    while (writing) {
      try {
        const plate = await readPlate(target);
        seen.push(
          `${plate.images.length} images, channels ${Object.values(plate.channelNames).join('/')}`
        );
      } catch (error) {
        const message = (error as Error).message;
        // Before the plate is in place it does not exist; anything else is a half-read plate.
        if (!/does not exist/.test(message)) seen.push(message);
      }
      await new Promise(resolve => setTimeout(resolve, 2));
    }
    await Promise.all(writers);
    expect([...new Set(seen)].filter(s => s !== `${expected} images, channels DAPI/GFP`)).toEqual(
      []
    );
    const plate = await readPlate(target);
    expect(plate.images).toHaveLength(expected);
    expect(plate.channelNames).toEqual({ '1': 'DAPI', '2': 'GFP' });
    // Neither writer left its temporary folder behind.
    expect((await readdir(dir)).sort()).toEqual(['demo-plate']);
  });

  it('refuses to write a plate over a folder holding something else', async () => {
    const target = path.join(dir, 'taken');
    await writeSyntheticPlate(target, { wells: 1, sites: 1, channels: 1, zPlanes: 1, width: 16 });
    await expect(
      writeSyntheticPlate(target, { wells: 2, sites: 1, channels: 1, zPlanes: 1, width: 16 })
    ).rejects.toThrow(/already holds a different plate/);
    expect((await readdir(dir)).sort()).toEqual(['taken']);
    // A write that fails (a file stands where the plate goes) leaves no temporary folder.
    await writeFile(path.join(dir, 'file'), 'x');
    await expect(
      writeSyntheticPlate(path.join(dir, 'file'), {
        wells: 1,
        sites: 1,
        channels: 1,
        zPlanes: 1,
        width: 16
      })
    ).rejects.toThrow(/ENOTDIR|already holds/);
    expect((await readdir(dir)).sort()).toEqual(['file', 'taken']);
  });
});
