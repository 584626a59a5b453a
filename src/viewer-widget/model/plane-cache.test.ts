import { PlaneCache } from './plane-cache.js';
import type { AxisValue, Plane } from './plane.js';

function plane(layer: string, values: AxisValue[], size: number, level = 0, revision = 1): Plane {
  return {
    layer,
    values,
    level,
    revision,
    shape: [size, size],
    dtype: 'uint16',
    data: new Uint16Array(size * size)
  };
}

describe('PlaneCache', () => {
  it('stays within its byte budget, evicting the least recently used', () => {
    const cache = new PlaneCache(3 * 2 * 64 * 64); // three 64² uint16 planes
    cache.put(plane('a', ['A01'], 64));
    cache.put(plane('a', ['A02'], 64));
    cache.put(plane('a', ['A03'], 64));
    expect(cache.get('a', ['A01'], 0)).toBeDefined(); // touch A01: A02 is now the oldest
    cache.put(plane('a', ['A04'], 64));
    expect(cache.bytes).toBe(3 * 2 * 64 * 64);
    expect(cache.size).toBe(3);
    expect(cache.get('a', ['A02'], 0)).toBeUndefined();
    expect(cache.get('a', ['A01'], 0)).toBeDefined();
    expect(cache.get('a', ['A04'], 0)).toBeDefined();
  });

  it('holds a 384-well plate of panel-sized planes within the budget', () => {
    const budget = 64 * 1024 * 1024;
    const cache = new PlaneCache(budget);
    for (let w = 0; w < 384; w++)
      for (let c = 0; c < 4; c++) cache.put(plane('a', [`W${w}`, c], 512, 2));
    expect(cache.bytes).toBeLessThanOrEqual(budget);
    expect(cache.size).toBe(Math.floor(budget / (512 * 512 * 2)));
    expect(cache.get('a', ['W383', 3], 2)).toBeDefined();
    expect(cache.get('a', ['W0', 0], 2)).toBeUndefined();
  });

  it('does not cache a plane larger than the whole budget', () => {
    const cache = new PlaneCache(1000);
    cache.put(plane('a', [1], 64));
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });

  it('picks the smallest level that covers the view, else the biggest', () => {
    const cache = new PlaneCache();
    cache.put(plane('a', [1], 256, 3));
    cache.put(plane('a', [1], 1024, 1));
    cache.put(plane('a', [1], 512, 2));
    expect(cache.best('a', [1], 400)?.level).toBe(2);
    expect(cache.best('a', [1], 100)?.level).toBe(3);
    expect(cache.best('a', [1], 2048)?.level).toBe(1);
    expect(cache.best('a', [2], 100)).toBeUndefined();
    expect(cache.best('b', [1], 100)).toBeUndefined();
  });

  it('keys on values: number 1 and string "1" are different planes', () => {
    const cache = new PlaneCache();
    cache.put(plane('a', [1], 8));
    expect(cache.get('a', ['1'], 0)).toBeUndefined();
    expect(cache.get('a', [1], 0)).toBeDefined();
  });

  it('invalidates the levels of a replaced plane older than the new revision', () => {
    const cache = new PlaneCache();
    cache.put(plane('a', [1], 64, 0, 5));
    cache.put(plane('a', [1], 32, 1, 7));
    cache.put(plane('a', [2], 64, 0, 5));
    cache.invalidate('a', [1], 7);
    expect(cache.get('a', [1], 0)).toBeUndefined();
    expect(cache.get('a', [1], 1)).toBeDefined();
    expect(cache.get('a', [2], 0)).toBeDefined();
    cache.dropLayer('a');
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });

  it('replacing an entry does not count its bytes twice', () => {
    const cache = new PlaneCache();
    cache.put(plane('a', [1], 16));
    cache.put(plane('a', [1], 16, 0, 2));
    expect(cache.bytes).toBe(16 * 16 * 2);
    expect(cache.get('a', [1], 0)?.revision).toBe(2);
  });

  it('rejects a non-positive budget with a clear error', () => {
    expect(() => new PlaneCache(0)).toThrow(/budget must be > 0/);
  });
});
