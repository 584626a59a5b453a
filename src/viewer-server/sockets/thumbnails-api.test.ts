/**
 * thumbnailsBody's reads (issue 17, open speed): wells are read concurrently, never more than
 * THUMBNAIL_READS at once, and answered in the order asked; a well whose plane cannot be read
 * is listed in `failed` while the others are served; when every well fails the reply fails
 * with the first reason. A fake core (only this file's unit under test is real).
 */
import { expect, test } from '@jest/globals';
import { decodeThumbnails } from '../../protocol/index.js';
import { PlaneRequestError, type ServedPlane } from '../core/plane-request.js';
import type { ViewerCore } from '../core/viewer-core.js';
import { thumbnailsBody, THUMBNAIL_READS } from './thumbnails-api.js';

const WELLS = Array.from({ length: 100 }, (_, i) => `W${String(i).padStart(3, '0')}`);

/** A core whose planes of 2×2 uint8 take a turn of the event loop each; `broken` wells throw. */
function fakeCore(broken: (well: string) => Error | null) {
  let inFlight = 0;
  let most = 0;
  const layer = { wireDtype: 'uint8', info: () => ({ axes: [{ name: 'well', values: WELLS }] }) };
  const core = {
    layers: { get: (key: string) => (key === 'plate' ? layer : undefined) },
    servedShape: () => [2, 2],
    plane: async (_key: string, at: { well: string }): Promise<ServedPlane> => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise(resolve => setImmediate(resolve));
      inFlight--;
      const err = broken(at.well);
      if (err) throw err;
      const n = WELLS.indexOf(at.well);
      return {
        pixels: new Uint8Array([n, n, n, n]),
        shape: [2, 2],
        dtype: 'uint8',
        level: 0,
        revision: 1,
        release: () => {}
      };
    }
  } as unknown as ViewerCore;
  return { core, most: () => most };
}

const url = (wells?: string[]) =>
  new URL(
    `http://x/api/thumbnails?layer=plate&at=${encodeURIComponent('{}')}&max=2` +
      (wells ? `&wells=${encodeURIComponent(JSON.stringify(wells))}` : '')
  );

test('reads several wells at once, at most THUMBNAIL_READS, answering in the order asked', async () => {
  const { core, most } = fakeCore(() => null);
  const { header, pixels } = decodeThumbnails((await thumbnailsBody(core, url())).slice().buffer);
  expect(most()).toBe(THUMBNAIL_READS);
  expect(header.planes.map(p => p.well)).toEqual(WELLS);
  expect(pixels.map(p => p[0])).toEqual(WELLS.map((_, i) => i));
  expect(header.failed).toBeUndefined();
});

test('a well that cannot be read is listed in failed; the others and the missing ones are answered', async () => {
  const { core } = fakeCore(well =>
    well === 'W007'
      ? new Error("OME-Zarr plate '/p': reading W007 failed: bad chunk")
      : well === 'W003'
        ? new PlaneRequestError('no plane there', 404)
        : null
  );
  const asked = ['W001', 'W003', 'W007', 'W009'];
  const { header, pixels } = decodeThumbnails(
    (await thumbnailsBody(core, url(asked))).slice().buffer
  );
  expect(header.planes.map(p => p.well)).toEqual(['W001', 'W009']);
  expect(pixels.map(p => p[0])).toEqual([1, 9]);
  expect(header.missing).toEqual(['W003']);
  expect(header.failed).toEqual([
    { well: 'W007', error: "OME-Zarr plate '/p': reading W007 failed: bad chunk" }
  ]);
});

test('when every well fails, the reply fails with the reason (the source is broken)', async () => {
  const { core } = fakeCore(() => new Error("the plate source of '/p' ended (SIGKILL)"));
  await expect(thumbnailsBody(core, url(['W001', 'W002']))).rejects.toThrow(
    "the plate source of '/p' ended (SIGKILL)"
  );
});
