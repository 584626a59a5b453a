/**
 * Plates and storage inside Deno (the runtime of the Deno Jupyter kernel): write a synthetic
 * ImageXpress plate, read it with readPlate, load a TIFF through the disk backend and round-trip it
 * through a real zarr store reopened by a fresh FileManager.
 * Needs the built package (`npx tsc -b`, done by `npm test`). No ports.
 * Run: node_modules/.bin/deno test -A tests/deno/
 */
import { deepStrictEqual as assertEquals, ok as assert } from 'node:assert/strict';
import { writeSyntheticPlate } from '../../lib/runtime/plate/synthetic-plate.js';
import { readPlate } from '../../lib/runtime/plate/read-plate.js';
import { FileManager } from '../../lib/runtime/storage/file-manager.js';
import { DiskBackend } from '../../lib/runtime/storage/disk-backend.js';
import { ZarrBackend } from '../../lib/runtime/storage/zarr-backend.js';
import { MemoryBackend } from '../../lib/runtime/storage/memory-backend.js';

Deno.test('Deno: synthetic plate → readPlate → TIFF load → zarr round trip', async () => {
  const dir = await Deno.makeTempDir({ prefix: 'plv-deno-storage-' });
  try {
    const plate = await writeSyntheticPlate(`${dir}/plate`, {
      wells: 2,
      sites: 1,
      zPlanes: 1,
      width: 48,
      seed: 5
    });
    assertEquals(plate.files.length, 6);
    const read = await readPlate(`${dir}/plate`);
    assertEquals(read.wells, ['A01', 'A02']);
    assertEquals(read.channelNames, { '1': 'DAPI', '2': 'GFP', '3': 'RFP' });

    const fm = new FileManager([
      new MemoryBackend(),
      new DiskBackend(),
      new ZarrBackend({ channelNames: read.channelNames })
    ]);
    const image = await fm.load(read.images[0].path, 'disk');
    assertEquals([image.dtype, image.shape], ['uint16', [48, 48]]);
    const target = `${dir}/out/A01_s001_w1_z001_t001.tif`;
    await fm.save(image, target, 'zarr');

    const back = await new FileManager([new ZarrBackend()]).load(target, 'zarr');
    assertEquals(back.shape, [48, 48]);
    assert(
      back.data.every((v: number, i: number) => v === image.data[i]),
      'zarr plane differs from the TIFF plane'
    );
    const attrs = JSON.parse(await Deno.readTextFile(`${dir}/out.zarr/A/01/0/.zattrs`));
    assertEquals(attrs.omero.channels[0].label, 'DAPI');
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
