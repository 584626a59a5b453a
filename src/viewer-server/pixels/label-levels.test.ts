import { modeShrink2 } from './label-levels.js';
import { LevelCache } from './plane-levels.js';

/** Every id at (y, x) of a level must be an id of its 2×2 bin above (never a mean). */
function idsOfBin(src: ArrayLike<number>, h: number, w: number, y: number, x: number): number[] {
  const ids: number[] = [];
  for (let dy = 0; dy < 2; dy++)
    for (let dx = 0; dx < 2; dx++) {
      const yy = Math.min(2 * y + dy, h - 1);
      const xx = Math.min(2 * x + dx, w - 1);
      ids.push(src[yy * w + xx]);
    }
  return ids;
}

describe('modeShrink2', () => {
  it('keeps the most frequent id of each bin, never a mean of two ids', () => {
    // bins: [3,3,5,5] tie → 3 (first), [0,7,7,7] → 7, [9,0,0,2] → 0
    const src = new Uint32Array([3, 3, 0, 7, 9, 0, 5, 5, 7, 7, 0, 2]);
    const out = modeShrink2(src, 2, 6, 'uint32');
    expect(out).toBeInstanceOf(Uint32Array);
    expect([...out]).toEqual([3, 7, 0]);
  });

  it('handles odd sizes: the last row and column pair with themselves', () => {
    const src = new Uint16Array([1, 2, 3, 4, 5, 6, 7, 8, 9]); // 3×3
    const out = modeShrink2(src, 3, 3, 'uint16');
    expect([...out]).toEqual([1, 3, 7, 9]);
  });

  it('keeps ids above 2^24 exact (a float32 mean could not)', () => {
    const big = 2 ** 31 + 12345;
    const src = new Uint32Array([big, big, big + 1, 0]);
    expect([...modeShrink2(src, 2, 2, 'uint32')]).toEqual([big]);
  });
});

describe('LevelCache with labels', () => {
  it('derives every level by sampling ids: each id of level k is an id of its bin in level k-1', async () => {
    const h = 37;
    const w = 53;
    const full = new Uint32Array(h * w);
    for (let i = 0; i < full.length; i++) full[i] = (i * 2654435761) % 1000; // many distinct ids
    const cache = new LevelCache(1 << 24);
    let above: Uint32Array = full;
    let [ah, aw] = [h, w];
    for (let level = 1; level <= 4; level++) {
      const pixels = (await cache.level(
        1,
        [h, w],
        'uint32',
        level,
        async () => full,
        true
      )) as Uint32Array;
      const [lh, lw] = [Math.ceil(ah / 2), Math.ceil(aw / 2)];
      expect(pixels.length).toBe(lh * lw);
      for (let y = 0; y < lh; y++)
        for (let x = 0; x < lw; x++)
          expect(idsOfBin(above, ah, aw, y, x)).toContain(pixels[y * lw + x]);
      [above, ah, aw] = [pixels, lh, lw];
    }
  });

  it('still averages an image (the labels branch is only taken for labels)', async () => {
    const full = new Uint16Array([0, 10, 20, 30]);
    const cache = new LevelCache(1 << 20);
    const image = await cache.level(2, [2, 2], 'uint16', 1, async () => full);
    const labels = await cache.level(3, [2, 2], 'uint16', 1, async () => full, true);
    expect([...image]).toEqual([15]);
    expect([...labels]).toEqual([0]);
  });
});
