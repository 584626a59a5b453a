import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PlaneBufferPool } from './plane-buffer-pool.js';
import { PlaneStore } from './plane-store.js';
import { SpillStore } from './spill-store.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-planes-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const plane = (seed: number) => Uint8Array.from({ length: 64 * 64 }, (_, i) => (i + seed) & 0xff);

describe('PlaneStore', () => {
  it('spills the least recently used planes to zarr and pages them back unchanged', async () => {
    const spill = new SpillStore(path.join(dir, 'a'));
    const store = new PlaneStore(2 * 4096, spill);
    for (let id = 1; id <= 5; id++) store.put(id, 'uint8', [64, 64], plane(id));
    await store.idle();
    expect(store.stats()).toEqual({ budget_bytes: 8192, resident_bytes: 8192, spilled_planes: 3 });
    // 4 and 5 were used last, so 1..3 went to disk.
    expect(fs.readdirSync(spill.dir).sort()).toEqual(['p1', 'p2', 'p3', 'zarr.json']);
    for (let id = 1; id <= 5; id++) expect(await store.get(id)).toEqual(plane(id));
    await store.idle();
    expect(store.stats().resident_bytes).toBeLessThanOrEqual(8192);
    expect(store.stats().spilled_planes).toBe(3);
    await spill.destroy();
    expect(fs.existsSync(spill.dir)).toBe(false);
  });

  it('frees removed planes, also one removed while its spill write runs', async () => {
    const spill = new SpillStore(path.join(dir, 'b'));
    const store = new PlaneStore(4096, spill);
    store.put(1, 'uint8', [64, 64], plane(1));
    store.put(2, 'uint8', [64, 64], plane(2)); // starts writing plane 1
    store.remove(1);
    await store.idle();
    expect(await store.get(1)).toBeUndefined();
    expect(fs.existsSync(path.join(spill.dir, 'p1'))).toBe(false);
    expect(store.stats()).toEqual({ budget_bytes: 4096, resident_bytes: 4096, spilled_planes: 0 });
    store.clear();
    expect(store.stats()).toEqual({ budget_bytes: 4096, resident_bytes: 0, spilled_planes: 0 });
    await spill.destroy();
  });
});

describe('PlaneStore with a PlaneBufferPool', () => {
  it('recycles the bytes of removed and spilled planes, never of planes it handed out', async () => {
    const spill = new SpillStore(path.join(dir, 'c'));
    const pool = new PlaneBufferPool(1 << 20);
    const store = new PlaneStore(2 * 4096, spill, () => {}, pool);
    const own = (seed: number) => {
      const bytes = pool.take(4096);
      bytes.set(plane(seed));
      return bytes;
    };
    const [one, two] = [own(1), own(2)];
    store.put(1, 'uint8', [64, 64], one);
    store.put(2, 'uint8', [64, 64], two);
    const lent = await store.get(2);
    store.remove(1);
    store.remove(2);
    expect(pool.bytesFree).toBe(4096);
    expect(pool.take(4096)).toBe(one);
    // Plane 2's bytes may still be read by whoever got them: untouched, not in the pool.
    expect(lent).toEqual(plane(2));
    expect(pool.bytesFree).toBe(0);

    // Spilling: planes 3 and 4 go to disk, their bytes come back for reuse, pixels are kept.
    for (let id = 3; id <= 6; id++) store.put(id, 'uint8', [64, 64], own(id));
    await store.idle();
    expect(store.stats().spilled_planes).toBe(2);
    expect(pool.bytesFree).toBe(2 * 4096);
    for (let id = 3; id <= 6; id++) expect(await store.get(id)).toEqual(plane(id));
    await store.idle();
    store.clear();
    await spill.destroy();
  });
});
