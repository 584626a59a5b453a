/**
 * The demo's analysis end to end: a synthetic plate whose wells differ in cell count, a
 * pipeline with segmentNuclei on the worker pool (the built lib/, as a notebook runs it), the
 * run's tables in the result and as CSV + Parquet files (read back with pyarrow), and the
 * nuclei counted per well against the generator's truth.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { compile, Pipeline, readPlate, run, Step } from '../../src/runtime/index.js';
import { writeSyntheticPlate } from '../../src/runtime/plate/synthetic-plate.js';
import { python } from '../runtime/python.js';

const FUNCTIONS = path.resolve('lib/runtime/functions/index.js');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'plv-nuclei-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('nuclei per well match the truth; tables in the result, CSV and Parquet on disk', async () => {
  const plate = await writeSyntheticPlate(path.join(dir, 'plate'), {
    wells: 12,
    sites: 1,
    channels: ['DAPI', 'GFP'],
    zPlanes: 1,
    width: 512,
    seed: 1
  });
  const pipeline = new Pipeline({
    name: 'nuclei',
    steps: [
      new Step({
        name: 'Nuclei',
        variableComponents: ['channel'],
        func: {
          module: FUNCTIONS,
          export: 'segmentNuclei',
          args: { sigma: 2, minDistance: 7, minArea: 30 }
        },
        runOn: 'workers'
      })
    ]
  });
  const output = path.join(dir, 'out');
  const plan = await compile(pipeline, await readPlate(plate.dir), { output_dir: output });
  const result = await run(plan);
  expect(result.ok).toBe(true);

  const perWell = result.tables.find(t => t.step === 'Nuclei' && t.kind === 'wells')!;
  const objects = result.tables.find(t => t.step === 'Nuclei' && t.kind === 'objects')!;
  expect(perWell.columns.slice(0, 3)).toEqual(['well', 'objects', 'area_mean']);
  expect(objects.columns).toContain('mean_ch2');
  const counts = Object.fromEntries(perWell.rows.map(r => [r[0], r[1] as number]));
  expect(Object.keys(counts)).toEqual(plate.wells);
  // Tolerance: each well within 20 % of the true count (touching nuclei the watershed leaves
  // merged, dim ones below Otsu's threshold), the plate total within 8 %.
  let measured = 0;
  let truth = 0;
  for (const well of plate.wells) {
    const expected = plate.cellsPerSite[well];
    expect(Math.abs(counts[well] - expected)).toBeLessThanOrEqual(Math.ceil(0.2 * expected));
    measured += counts[well];
    truth += expected;
  }
  expect(Math.abs(measured - truth) / truth).toBeLessThanOrEqual(0.08);
  // The columns of the dilution series differ: the last well has several times the first's.
  expect(counts.A12).toBeGreaterThan(3 * counts.A01);

  // Files: the CSV has a header and one line per object; pyarrow reads the Parquet back.
  const csv = (await readFile(objects.csv, 'utf8')).trim().split('\n');
  expect(csv[0].split(',')).toEqual(objects.columns);
  expect(csv).toHaveLength(objects.rows.length + 1);
  const read = JSON.parse(
    await python(
      'import sys, json, pyarrow.parquet as pq\n' +
        't = pq.read_table(sys.argv[1]).to_pydict()\n' +
        "print(json.dumps({'well': t['well'], 'objects': t['objects']}))",
      [perWell.parquet]
    )
  ) as { well: string[]; objects: number[] };
  expect(read.well).toEqual(plate.wells);
  expect(read.objects).toEqual(plate.wells.map(w => counts[w]));
});
