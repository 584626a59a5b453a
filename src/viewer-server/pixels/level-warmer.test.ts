import { binShrink2 } from '../../protocol/bin-shrink.js';
import { LevelWarmer } from './level-warmer.js';
import { LevelCache } from './plane-levels.js';

/** Resolves once `cond()` holds; fails after `ms` (every wait has a bound). */
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not reached within ${ms} ms`);
    await new Promise(r => setTimeout(r, 2));
  }
}

const plane = (n: number, seed: number) =>
  Uint16Array.from({ length: n * n }, (_, i) => (i * 7919 + seed * 31) % 65536);

describe('LevelWarmer', () => {
  it('caches a plane’s grid level (as on demand, level by level) once the server idles', async () => {
    const cache = new LevelCache(64 << 20);
    const warmer = new LevelWarmer(cache, { idleMs: 5, side: 128 });
    const full = plane(1024, 1);
    warmer.add(7, [1024, 1024], 'uint16', () => full);
    await until(() => warmer.pending === 0);
    expect(cache.has(7, 3)).toBe(true); // 1024 → 512 → 256 → 128
    expect(cache.has(7, 1) || cache.has(7, 2)).toBe(false); // only the warmed level is kept
    let expected: Uint16Array = full;
    for (let side = 1024; side > 128; side /= 2)
      expected = binShrink2(expected, side, side, 'uint16') as Uint16Array;
    const got = await cache.level(7, [1024, 1024], 'uint16', 3, async () => {
      throw new Error('the full plane was read: the level was not warmed');
    });
    expect(got).toEqual(expected);
    warmer.close();
  });

  it('waits while a data message is handled, and until it has been quiet for idleMs', async () => {
    const cache = new LevelCache(64 << 20);
    const warmer = new LevelWarmer(cache, { idleMs: 30 });
    const ended = warmer.begin();
    warmer.add(1, [512, 512], 'uint16', () => plane(512, 2));
    await new Promise(r => setTimeout(r, 80));
    expect(warmer.pending).toBe(1);
    const t = performance.now();
    ended();
    await until(() => warmer.pending === 0);
    expect(performance.now() - t).toBeGreaterThanOrEqual(29);
    expect(cache.has(1, 2)).toBe(true);
    warmer.close();
  });

  it('leaves spilled planes, labels and small planes alone, and fills at most half the cache', async () => {
    // 256² uint16 → level 1 of 128² = 32 KiB each; a 100 KiB cache takes one warmed level
    const cache = new LevelCache(100 * 1024);
    const warmer = new LevelWarmer(cache, { idleMs: 1 });
    warmer.add(1, [256, 256], 'uint16', () => undefined); // spilled meanwhile
    warmer.add(2, [256, 256], 'uint16', () => plane(256, 2));
    warmer.add(3, [256, 256], 'uint16', () => plane(256, 3));
    warmer.add(4, [100, 100], 'uint16', () => plane(100, 4)); // already grid-sized
    warmer.add(5, [256, 256], 'uint32' as never, () => plane(256, 5)); // labels
    expect(warmer.pending).toBe(3);
    await until(() => warmer.pending === 0);
    expect([1, 2, 3].map(id => cache.has(id, 1))).toEqual([false, true, false]);
    expect(warmer.warmed).toBe(1);
    expect(warmer.skipped).toBe(2);
    warmer.close();
  });

  it('forgets planes removed or cleared before their turn', async () => {
    const cache = new LevelCache(64 << 20);
    const warmer = new LevelWarmer(cache, { idleMs: 20 });
    warmer.add(1, [512, 512], 'uint16', () => plane(512, 1));
    warmer.add(2, [512, 512], 'uint16', () => plane(512, 2));
    warmer.forget(1);
    expect(warmer.pending).toBe(1);
    warmer.clear();
    expect(warmer.pending).toBe(0);
    warmer.close();
  });
});
