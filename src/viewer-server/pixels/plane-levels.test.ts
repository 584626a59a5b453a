import { binShrink2 } from '../../protocol/bin-shrink.js';
import { chooseLevel, LevelCache, levelShape } from './plane-levels.js';

describe('levels', () => {
  it('chooses the smallest level whose larger side is still at least max', () => {
    expect(chooseLevel([2048, 1024], 4096)).toBe(0);
    expect(chooseLevel([2048, 1024], 2048)).toBe(0);
    expect(chooseLevel([2048, 1024], 1024)).toBe(1);
    expect(chooseLevel([2048, 1024], 600)).toBe(1);
    expect(chooseLevel([2048, 1024], 512)).toBe(2);
    expect(chooseLevel([5, 3], 1)).toBe(3);
    expect(levelShape([5, 3], 1)).toEqual([3, 2]);
  });

  it('bin-shrinks 2x2 by the rounded mean, averaging what the odd edge has', () => {
    // 3x3: rows [1 2 3] [5 6 7] [9 10 11]
    const src = Uint16Array.from([1, 2, 3, 5, 6, 7, 9, 10, 11]);
    expect([...binShrink2(src, 3, 3, 'uint16')]).toEqual([4, 5, 10, 11]);
    const f = Float32Array.from([1, 2, 3, 4]);
    expect([...binShrink2(f, 2, 2, 'float32')]).toEqual([2.5]);
  });

  it('caches levels and computes each from the one above', async () => {
    const cache = new LevelCache(1 << 20);
    let fullReads = 0;
    const full = async () => {
      fullReads++;
      return Uint8Array.from({ length: 16 }, (_, i) => i * 10);
    };
    const l2 = await cache.level(7, [4, 4], 'uint8', 2, full);
    expect(l2.length).toBe(1);
    await cache.level(7, [4, 4], 'uint8', 1, full);
    await cache.level(7, [4, 4], 'uint8', 2, full);
    expect(fullReads).toBe(1);
    cache.forget(7);
    await cache.level(7, [4, 4], 'uint8', 1, full);
    expect(fullReads).toBe(2);
  });

  it('caches a level computed elsewhere (a plate source binned it) and counts its bytes', async () => {
    const cache = new LevelCache(1 << 20);
    let computed = 0;
    const compute = async () => {
      computed++;
      return new Uint16Array(32 * 32);
    };
    const first = await cache.cached(3, 6, compute);
    expect(await cache.cached(3, 6, compute)).toBe(first);
    expect(computed).toBe(1);
    expect(cache.holds(3, 6, first)).toBe(true);
    expect(cache.bytesHeld).toBeGreaterThanOrEqual(first.byteLength);
    cache.forget(3);
    await cache.cached(3, 6, compute);
    expect(computed).toBe(2);
  });
});
