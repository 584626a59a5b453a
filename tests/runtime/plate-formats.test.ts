/**
 * Every plate format read back from files made by the format's reference writer (Python, the
 * project's .venv: tifffile, ome-zarr-py on zarr-python, and the Harmony generator that follows
 * PerkinElmer's schema; tests/runtime/fixtures/make_plates.py): detection, wells, components,
 * channel names, pixel size, and every plane's pixels (sum and first values) compared with what
 * the writer put there.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readPlate } from '../../src/runtime/plate/read-plate.js';
import type { Plate, PlateImage } from '../../src/runtime/plate/plate.js';
import { DiskBackend } from '../../src/runtime/storage/disk-backend.js';
import type { NdArray } from '../../src/runtime/model/image-data.js';
import { makePlate, type PlateManifest } from './fixture-plates.js';
import { compile } from '../../src/runtime/compile/compiler.js';
import { run } from '../../src/runtime/index.js';
import { Pipeline } from '../../src/runtime/model/pipeline.js';
import { Step } from '../../src/runtime/model/step.js';

type Manifest = PlateManifest;

/** Pixels of plate images the way the orchestrator reads them. */
async function load(plate: Plate, images: PlateImage[]): Promise<NdArray[]> {
  const paths = images.map(i => i.path);
  if (plate.pixels) return plate.pixels.load(paths);
  const disk = new DiskBackend();
  return Promise.all(paths.map(p => disk.load(p)));
}

const key = (i: {
  well: string;
  site: number | null;
  channel: number | null;
  z_index: number | null;
  timepoint: number | null;
}) => `${i.well} s${i.site} c${i.channel} z${i.z_index} t${i.timepoint}`;

describe.each([
  ['harmony', 'harmony'],
  ['ome-tiff', 'ome-tiff'],
  ['ome-tiff-multipage', 'ome-tiff'],
  ['ome-zarr-0.4', 'ome-zarr'],
  ['ome-zarr-0.5', 'ome-zarr']
])('readPlate on a %s plate', (kind, format) => {
  let dir: string;
  let manifest: Manifest;
  let plate: Plate;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), `plate-${kind}-`));
    const root = path.join(dir, kind.startsWith('ome-zarr') ? 'plate.zarr' : 'plate');
    manifest = await makePlate(kind, root);
    plate = await readPlate(root);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('detects the format and keeps wells, channel names and pixel size', () => {
    expect(plate.format).toBe(format);
    expect(plate.wells).toEqual(manifest.wells);
    expect(plate.channelNames).toEqual(manifest.channelNames);
    expect(plate.pixelSize).toEqual(manifest.pixelSize);
  });

  it('lists every image with its well, site, channel, z and timepoint', () => {
    expect(plate.images.map(key).sort()).toEqual(manifest.images.map(key).sort());
  });

  it("reads every plane's pixels as the writer wrote them", async () => {
    const expected = new Map(manifest.images.map(i => [key(i), i]));
    for (const well of plate.wells) {
      const images = plate.images.filter(i => i.well === well);
      const arrays = await load(plate, images);
      arrays.forEach((array, k) => {
        const want = expected.get(key(images[k]))!;
        expect(array.shape).toEqual(manifest.shape);
        expect(array.dtype).toBe('uint16');
        let sum = 0;
        for (const v of array.data) sum += v;
        expect({
          image: key(images[k]),
          sum,
          first: Array.from(array.data.subarray(0, 4))
        }).toEqual({
          image: key(images[k]),
          sum: want.sum,
          first: want.first
        });
      });
    }
  });

  it('runs a pipeline on it: the orchestrator reads each well through the plate', async () => {
    const maxOverZ = (stack: NdArray): NdArray => {
      const [n, h, w] = stack.shape;
      const out = new Uint16Array(h * w);
      for (let k = 0; k < n; k++)
        for (let i = 0; i < h * w; i++) out[i] = Math.max(out[i], stack.data[k * h * w + i]);
      return { data: out, shape: [h, w], dtype: stack.dtype };
    };
    const out = path.join(dir, 'out');
    const pipeline = new Pipeline({
      name: `max ${kind}`,
      steps: [new Step({ name: 'Max', func: maxOverZ, variableComponents: ['z_index'] })]
    });
    const well = manifest.wells[1];
    const plan = await compile(pipeline, plate, { output_dir: out, well_filter: [well] });
    const result = await run(plan, { streamSinkFor: null });
    expect(result.wells.map(w => [w.well, w.status, w.error?.message])).toEqual([
      [well, 'ok', undefined]
    ]);
    // Values grow with z, so each output is the writer's top plane of its (site, channel, t).
    const top = manifest.images.filter(i => i.well === well && i.z_index === 3);
    expect(result.wells[0].outputs).toHaveLength(top.length);
    const disk = new DiskBackend();
    for (const i of top) {
      const file = path.join(
        out,
        `${well}_s${String(i.site).padStart(3, '0')}_w${i.channel}_z001_t${String(i.timepoint).padStart(3, '0')}.tif`
      );
      const array = await disk.load(file);
      let sum = 0;
      for (const v of array.data) sum += v;
      expect([file, sum]).toEqual([file, i.sum]);
    }
  });
});
