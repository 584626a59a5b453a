/**
 * A plate's pixel size travels from its metadata to the viewer and to the outputs: a Harmony
 * plate (0.65 µm, made by the schema generator) is run with zarr outputs in NGFF 0.5 (chosen in
 * the run settings) and TIFF checkpoints; the batches the sink receives, and their wire form,
 * carry pixel_size; the zarr output's scale and units give it back (read by readPlate and
 * validated by ome-zarr-models), and tifffile reads it from the TIFFs' resolution tags.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { decodeBatch } from '../../src/protocol/index.js';
import { compile } from '../../src/runtime/compile/compiler.js';
import { run } from '../../src/runtime/index.js';
import type { NdArray } from '../../src/runtime/model/image-data.js';
import { Pipeline } from '../../src/runtime/model/pipeline.js';
import { Step } from '../../src/runtime/model/step.js';
import type { StreamBatch, StreamSink } from '../../src/runtime/model/stream-sink.js';
import { readPlate } from '../../src/runtime/plate/read-plate.js';
import { encodeChunk, releaseSegments } from '../../src/runtime/streaming/wire-batch.js';
import { makePlate } from './fixture-plates.js';
import { python } from './python.js';

const PIXEL = { x: 0.65, y: 0.65, unit: 'micrometer' };

const maxOverZ = (stack: NdArray): NdArray => {
  const [n, h, w] = stack.shape;
  const out = new Uint16Array(h * w);
  for (let k = 0; k < n; k++)
    for (let i = 0; i < h * w; i++) out[i] = Math.max(out[i], stack.data[k * h * w + i]);
  return { data: out, shape: [h, w], dtype: stack.dtype };
};

describe('pixel size from plate to viewer and outputs', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'plate-pixel-size-'));
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it('streams it with every batch and writes it into NGFF 0.5 zarr and TIFF outputs', async () => {
    await makePlate('harmony', path.join(tmp, 'harmony'));
    const plate = await readPlate(path.join(tmp, 'harmony'));
    expect(plate.pixelSize).toEqual(PIXEL);
    const out = path.join(tmp, 'out');
    const pipeline = new Pipeline({
      name: 'pixel size',
      steps: [
        new Step({
          name: 'Max',
          func: maxOverZ,
          variableComponents: ['z_index'],
          materialization: {},
          streaming: { enabled: true, port: 21400 }
        })
      ]
    });
    const plan = await compile(pipeline, plate, {
      output_dir: out,
      output_backend: 'zarr',
      zarr_ngff: '0.5',
      well_filter: ['A01']
    });
    const batches: StreamBatch[] = [];
    const sink: StreamSink = {
      enqueue: batch => (batches.push(batch), true),
      flush: async () => ({ sent: 0, dropped: 0, errors: [] }),
      close: async () => {}
    };
    const result = await run(plan, { streamSinkFor: async () => sink });
    expect(result.wells.map(w => [w.well, w.status, w.error?.message])).toEqual([
      ['A01', 'ok', undefined]
    ]);

    // To the viewer: the batch, and its wire header.
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.every(b => JSON.stringify(b.pixelSize) === JSON.stringify(PIXEL))).toBe(true);
    const chunk = encodeChunk(batches[0], batches[0].items);
    try {
      expect(decodeBatch(chunk.frames).batch.pixel_size).toEqual(PIXEL);
    } finally {
      releaseSegments(chunk.segments);
    }

    // Zarr output: NGFF 0.5, the scale and unit read back as the plate's pixel size.
    const store = path.join(out, 'images.zarr');
    expect(await readdir(store)).toContain('zarr.json');
    const again = await readPlate(store);
    expect(again.format).toBe('ome-zarr');
    expect(again.pixelSize).toEqual(PIXEL);
    const models = await python(
      `
import sys, warnings, zarr
from ome_zarr_models.v05.hcs import HCS
group = zarr.open_group(sys.argv[1], mode='r')
with warnings.catch_warnings():
    warnings.simplefilter('error')
    hcs = HCS.from_zarr(group)
image = zarr.open_group(sys.argv[1] + '/A/01/0', mode='r')
ms = image.attrs['ome']['multiscales'][0]
print(hcs.ome_zarr_version, ms['datasets'][0]['coordinateTransformations'][0]['scale'][-2:], ms['axes'][-1].get('unit'))
`,
      [store]
    );
    expect(models.trim()).toBe('0.5 [0.65, 0.65] micrometer');

    // TIFF checkpoints: tifffile reads X/YResolution in pixels per centimetre.
    const checkpoints = path.join(out, 'checkpoints');
    const checkpointDir = path.join(checkpoints, (await readdir(checkpoints))[0]);
    const tiff = (await readdir(checkpointDir)).find(f => f.endsWith('.tif'))!;
    const size = await python(
      `
import sys, tifffile
page = tifffile.TiffFile(sys.argv[1]).pages[0]
x, y, unit = page.tags['XResolution'].value, page.tags['YResolution'].value, page.tags['ResolutionUnit'].value
print(round(1e4 * x[1] / x[0], 4), round(1e4 * y[1] / y[0], 4), int(unit))
`,
      [path.join(checkpointDir, tiff)]
    );
    expect(size.trim()).toBe('0.65 0.65 3');
  });
});
