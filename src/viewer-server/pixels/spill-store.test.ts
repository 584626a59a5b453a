import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import FileSystemStore from '@zarrita/storage/fs';
import * as zarr from 'zarrita';
import { SpillStore } from './spill-store.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-spill-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('SpillStore', () => {
  it('writes planes other zarr readers open, and reads them back into a given buffer', async () => {
    const spill = new SpillStore(dir);
    const pixels = Uint16Array.from({ length: 12 }, (_, i) => i * 1000 + 7);
    const bytes = new Uint8Array(pixels.buffer);
    await spill.write(3, 'uint16', [3, 4], bytes);
    // zarrita reads the chunk written without it
    const store = new FileSystemStore(spill.dir);
    const array = await zarr.open.v3(zarr.root(store).resolve('p3'), { kind: 'array' });
    const chunk = await zarr.get(array);
    expect(chunk.shape).toEqual([3, 4]);
    expect([...(chunk.data as Uint16Array)]).toEqual([...pixels]);
    const target = new Uint8Array(24);
    expect(await spill.read(3, 24, () => target)).toBe(target);
    expect(target).toEqual(bytes);
    await expect(spill.read(3, 16)).rejects.toThrow(/p3 holds 24 bytes on disk, expected 16/);
    await spill.delete(3);
    await expect(spill.read(3, 24)).rejects.toThrow(/ENOENT/);
    await spill.destroy();
  });
});
