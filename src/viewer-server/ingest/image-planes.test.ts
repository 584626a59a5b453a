import { ImageItemSchema, MAX_PLANES_PER_IMAGE } from '../../protocol/index.js';
import { imagePlanes } from './image-planes.js';

const item = (shape: number[], metadata = {}) =>
  ImageItemSchema.parse({ path: '/x', shape, dtype: 'uint8', image_id: 'i', frame: 1, metadata });

describe('imagePlanes', () => {
  it('splits a z-stack into z planes numbered from 1, viewing the bytes without copying', () => {
    const bytes = Uint8Array.from({ length: 3 * 2 * 2 }, (_, i) => i);
    const planes = imagePlanes(item([3, 2, 2], { well: 'A01' }), bytes);
    expect(planes.map(p => p.plane.metadata.z_index)).toEqual([1, 2, 3]);
    expect(planes.map(p => p.plane.metadata.well)).toEqual(['A01', 'A01', 'A01']);
    expect([...planes[1].bytes]).toEqual([4, 5, 6, 7]);
    expect(planes[1].bytes.buffer).toBe(bytes.buffer);
    expect(planes[2].plane.range).toEqual([8, 11]);
  });

  it('reads [c, z, y, x] as channel and z', () => {
    const planes = imagePlanes(item([2, 3, 1, 1]), new Uint8Array(6));
    expect(planes.map(p => [p.plane.metadata.channel, p.plane.metadata.z_index])).toEqual([
      [1, 1],
      [1, 2],
      [1, 3],
      [2, 1],
      [2, 2],
      [2, 3]
    ]);
  });

  it('refuses a z-stack whose metadata also names a z_index, and 6-D images', () => {
    expect(() => imagePlanes(item([2, 2, 2], { z_index: 4 }), new Uint8Array(8))).toThrow(
      /read as z_index/
    );
    expect(() => imagePlanes(item([1, 1, 1, 1, 2, 2]), new Uint8Array(4))).toThrow(/at most 5/);
  });

  it(`refuses an image of more than MAX_PLANES_PER_IMAGE (${MAX_PLANES_PER_IMAGE}) planes`, () => {
    // 400 KB of [t, c, z, 1, 1] would be 400,000 planes
    expect(() => imagePlanes(item([100, 40, 100, 1, 1]), new Uint8Array(400_000))).toThrow(
      /splits into 400000 planes of 1×1, over MAX_PLANES_PER_IMAGE \(4096\)/
    );
    expect(imagePlanes(item([MAX_PLANES_PER_IMAGE, 1, 1]), new Uint8Array(4096))).toHaveLength(
      MAX_PLANES_PER_IMAGE
    );
  });
});
