import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
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
