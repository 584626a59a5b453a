import { spawn } from 'node:child_process';
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

describe('SpillStore as the layer store', () => {
  const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => i + seed);

  it('lists whole planes with their attributes at open; a truncated or unfinished one is removed and reported', async () => {
    const storeDir = path.join(dir, 'layers');
    const first = new SpillStore(storeDir);
    await first.open();
    await first.write(1, 'uint8', [2, 3], bytes(6, 1), { key: 'a' });
    await first.write(2, 'uint8', [2, 3], bytes(6, 2), { key: 'b' });
    await first.write(3, 'uint8', [2, 3], bytes(6, 3), { key: 'c' });
    first.close();
    fs.truncateSync(path.join(first.dir, 'p2', 'c', '0', '0'), 4);
    fs.rmSync(path.join(first.dir, 'p3', 'zarr.json')); // killed before its metadata
    const second = new SpillStore(storeDir);
    const contents = await second.open();
    expect(contents.planes).toEqual([
      { id: 1, dtype: 'uint8', shape: [2, 3], byteLength: 6, attributes: { key: 'a' } }
    ]);
    expect(contents.problems).toEqual([
      'plane p2: its chunk holds 4 bytes, 6 expected (truncated); skipped and removed'
    ]);
    expect(contents.unfinished).toBe(1);
    expect(fs.readdirSync(second.dir).sort()).toEqual(['p1', 'zarr.json']);
    expect(await second.read(1, 6)).toEqual(bytes(6, 1));
    await second.destroy();
  });

  it("is one server's at a time: a live holder is named after the wait, a dead one's lock is taken", async () => {
    const storeDir = path.join(dir, 'locked');
    fs.mkdirSync(storeDir, { recursive: true });
    // A process that looks like a viewer server (its command line names main.js).
    const server = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'main.js']);
    const exited = new Promise(resolve => server.on('exit', resolve));
    fs.writeFileSync(path.join(storeDir, 'lock'), `${server.pid}\n`);
    await expect(new SpillStore(storeDir).open({ lockWaitMs: 300 })).rejects.toThrow(
      `layer store ${storeDir} is in use by viewer server pid ${server.pid}`
    );
    server.kill('SIGKILL');
    await exited;
    const next = new SpillStore(storeDir);
    await next.open({ lockWaitMs: 300 });
    expect(fs.readFileSync(path.join(storeDir, 'lock'), 'utf8')).toBe(`${process.pid}\n`);
    next.close();
    expect(fs.existsSync(path.join(storeDir, 'lock'))).toBe(false);
  });

  it('refuses a store of another version and touches nothing in it', async () => {
    const storeDir = path.join(dir, 'v0');
    fs.mkdirSync(path.join(storeDir, 'planes.zarr', 'p1'), { recursive: true });
    const store = new SpillStore(storeDir);
    await expect(store.open()).rejects.toThrow(
      /older than layer store version 1 .*left untouched.*--fresh to delete it/
    );
    expect(fs.readdirSync(path.join(storeDir, 'planes.zarr'))).toEqual(['p1']);
    expect(fs.existsSync(path.join(storeDir, 'lock'))).toBe(false);
    const fresh = new SpillStore(storeDir);
    expect(await fresh.open({ fresh: true })).toEqual({
      planes: [],
      problems: [],
      unfinished: 0,
      cleared: 0
    });
    expect(fs.readdirSync(fresh.dir)).toEqual(['zarr.json']);
    await fresh.destroy();
  });
});
