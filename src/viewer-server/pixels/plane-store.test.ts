import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { allocatedBytes, PLANE_BOOKKEEPING_BYTES as BOOK } from './memory-cost.js';
import { PlaneBufferPool } from './plane-buffer-pool.js';
import { MemoryBudgetError, PlaneStore } from './plane-store.js';
import { SpillStore } from './spill-store.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-planes-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const plane = (seed: number) => Uint8Array.from({ length: 64 * 64 }, (_, i) => (i + seed) & 0xff);
/** What a 64×64 uint8 plane's own buffer costs. */
const PLANE = allocatedBytes(64 * 64);

async function bytesOf(store: PlaneStore, id: number): Promise<Uint8Array | undefined> {
  const lease = await store.get(id);
  lease?.release();
  return lease?.bytes;
}

describe('PlaneStore', () => {
  it('spills the least recently used planes to zarr and pages them back unchanged', async () => {
    const spill = new SpillStore(path.join(dir, 'a'));
    const budget = 5 * BOOK + 2 * PLANE; // bookkeeping of 5 planes, pixels of 2
    const store = new PlaneStore(budget, spill);
    for (let id = 1; id <= 5; id++) store.put(id, 'uint8', [64, 64], plane(id));
    await store.idle();
    expect(store.stats()).toEqual({
      budget_bytes: budget,
      resident_bytes: budget,
      spilled_planes: 3
    });
    // 4 and 5 were used last, so 1..3 went to disk.
    expect(fs.readdirSync(spill.dir).sort()).toEqual(['p1', 'p2', 'p3', 'zarr.json']);
    for (let id = 1; id <= 5; id++) expect(await bytesOf(store, id)).toEqual(plane(id));
    await store.idle();
    expect(store.stats().resident_bytes).toBeLessThanOrEqual(budget);
    expect(store.stats().spilled_planes).toBe(3);
    await spill.destroy();
    expect(fs.existsSync(spill.dir)).toBe(false);
  });

  it('frees removed planes, also one removed while its spill write runs', async () => {
    const spill = new SpillStore(path.join(dir, 'b'));
    const budget = 2 * BOOK + PLANE;
    const store = new PlaneStore(budget, spill);
    store.put(1, 'uint8', [64, 64], plane(1));
    store.put(2, 'uint8', [64, 64], plane(2)); // starts writing plane 1
    store.remove(1);
    await store.idle();
    expect(await store.get(1)).toBeUndefined();
    expect(fs.existsSync(path.join(spill.dir, 'p1'))).toBe(false);
    expect(store.stats()).toEqual({
      budget_bytes: budget,
      resident_bytes: BOOK + PLANE,
      spilled_planes: 0
    });
    store.clear();
    expect(store.stats()).toEqual({ budget_bytes: budget, resident_bytes: 0, spilled_planes: 0 });
    await spill.destroy();
  });

  it('counts a buffer the planes of a stacked image share once, until its last plane left', async () => {
    const spill = new SpillStore(path.join(dir, 'd'));
    const store = new PlaneStore(1 << 30, spill);
    const image = new Uint8Array(3 * 4096);
    for (let z = 0; z < 3; z++)
      store.put(z + 1, 'uint8', [64, 64], image.subarray(z * 4096, (z + 1) * 4096));
    const whole = allocatedBytes(3 * 4096);
    expect(store.stats().resident_bytes).toBe(3 * BOOK + whole);
    store.remove(1);
    store.remove(2);
    expect(store.stats().resident_bytes).toBe(BOOK + whole); // plane 3 still holds it all
    store.remove(3);
    expect(store.stats().resident_bytes).toBe(0);
    await spill.destroy();
  });

  it('keeps the bytes of a plane spilled while lent counted until the lease ends', async () => {
    const spill = new SpillStore(path.join(dir, 'e'));
    const budget = 3 * BOOK + 2 * PLANE;
    const store = new PlaneStore(budget, spill);
    store.put(1, 'uint8', [64, 64], plane(1));
    const lease = (await store.get(1))!;
    store.put(2, 'uint8', [64, 64], plane(2));
    store.put(3, 'uint8', [64, 64], plane(3));
    await store.idle();
    // Plane 1 went to disk first, but a reader still has its bytes: they are still held,
    // so plane 2 had to go too to stay within the budget.
    expect(store.stats()).toEqual({
      budget_bytes: budget,
      resident_bytes: budget,
      spilled_planes: 2
    });
    expect(lease.bytes).toEqual(plane(1));
    lease.release();
    lease.release(); // a second release changes nothing
    expect(store.stats().resident_bytes).toBe(3 * BOOK + PLANE);
    expect(await bytesOf(store, 1)).toEqual(plane(1));
    await store.idle();
    await spill.destroy();
  });

  it('settles: spills until the planes and the bytes about to come fit the budget', async () => {
    const spill = new SpillStore(path.join(dir, 'g'));
    const budget = 3 * BOOK + 2 * PLANE;
    const store = new PlaneStore(budget, spill);
    store.put(1, 'uint8', [64, 64], plane(1));
    store.put(2, 'uint8', [64, 64], plane(2));
    expect(store.stats().spilled_planes).toBe(0);
    expect(await store.settle(10_000, BOOK + PLANE)).toBe(true);
    expect(store.stats().spilled_planes).toBe(1);
    expect(store.heldBytes + BOOK + PLANE).toBeLessThanOrEqual(budget);
    await spill.destroy();
  });

  it('refuses planes whose bookkeeping would take over half the planes budget', () => {
    const store = new PlaneStore(20 * BOOK, new SpillStore(path.join(dir, 'f')));
    for (let id = 1; id <= 10; id++) store.put(id, 'uint8', [1, 1], new Uint8Array(1));
    expect(() => store.assertRoom(0)).not.toThrow();
    expect(() => store.assertRoom(1)).toThrow(MemoryBudgetError);
    expect(() => store.assertRoom(1)).toThrow(
      /bookkeeping of 11 planes \(2560 bytes each, kept in memory even when their pixels are spilled\) exceed half of the 51200 bytes/
    );
  });
});

describe('PlaneStore with a PlaneBufferPool', () => {
  it('recycles the bytes of removed and spilled planes, lent ones once released', async () => {
    const spill = new SpillStore(path.join(dir, 'c'));
    const pool = new PlaneBufferPool(4 * PLANE);
    // The pool's bound is part of the budget; the planes get 4 bookkeepings and 2 buffers.
    const store = new PlaneStore(pool.maxBytes + 4 * BOOK + 2 * PLANE, spill, () => {}, pool);
    expect(store.planeBudget).toBe(4 * BOOK + 2 * PLANE);
    const own = (seed: number) => {
      const bytes = pool.take(4096);
      bytes.set(plane(seed));
      return bytes;
    };
    const [one, two] = [own(1), own(2)];
    store.put(1, 'uint8', [64, 64], one);
    store.put(2, 'uint8', [64, 64], two);
    const lent = (await store.get(2))!;
    store.remove(1);
    store.remove(2);
    expect(pool.bytesHeld).toBe(PLANE);
    expect(pool.take(4096)).toBe(one);
    // Plane 2's bytes may still be read by whoever got them: untouched, not in the pool.
    expect(lent.bytes).toEqual(plane(2));
    expect(pool.bytesHeld).toBe(0);
    lent.release();
    expect(pool.take(4096)).toBe(two);

    // Spilling: planes 3 and 4 go to disk, their bytes come back for reuse, pixels are kept;
    // paging them in reads into pool buffers.
    for (let id = 3; id <= 6; id++) store.put(id, 'uint8', [64, 64], own(id));
    await store.idle();
    expect(store.stats().spilled_planes).toBe(2);
    expect(pool.bytesHeld).toBe(2 * PLANE);
    const reused = pool.reused;
    for (let id = 3; id <= 6; id++) expect(await bytesOf(store, id)).toEqual(plane(id));
    expect(pool.reused).toBeGreaterThanOrEqual(reused + 2);
    await store.idle();
    store.clear();
    await spill.destroy();
  });
  it('new attributes given while the plane is being saved are written too (keep run during a save)', async () => {
    const spill = new SpillStore(path.join(dir, 'k'));
    const store = new PlaneStore(1 << 30, spill);
    store.put(1, 'uint8', [64, 64], plane(1), { key: 'source_Cells' });
    // The save has started (put starts the writer); the run is kept meanwhile.
    store.setAttributes(1, { key: 'source_Cells (run 1)' });
    await store.idle();
    const meta = fs.readFileSync(path.join(dir, 'k', 'planes.zarr', 'p1', 'zarr.json'), 'utf8');
    // before: the write's old attributes stayed (a restart restored the plane to the old layer)
    expect(meta).toContain('source_Cells (run 1)');
    store.clear();
    await spill.destroy();
  });
});
