import { FileManager } from './file-manager.js';
import { MemoryBackend } from './memory-backend.js';
import type { NdArray } from '../model/image-data.js';

const plane = (v: number): NdArray => ({
  data: new Uint16Array([v, v, v, v]),
  shape: [2, 2],
  dtype: 'uint16'
});

describe('FileManager over the memory backend', () => {
  it('saves, loads, lists and checks existence without copying', async () => {
    const fm = new FileManager();
    const a = plane(1);
    await fm.save(a, '/out/A01_s001_w1.tif', 'memory');
    await fm.saveBatch(
      [plane(2), plane(3)],
      ['/out/A01_s001_w2.tif', '/out/sub/A01_s001_w3.tif'],
      'memory'
    );
    expect(await fm.load('/out/A01_s001_w1.tif', 'memory')).toBe(a);
    expect(
      (await fm.loadBatch(['/out/A01_s001_w2.tif', '/out/sub/A01_s001_w3.tif'], 'memory')).map(
        x => x.data[0]
      )
    ).toEqual([2, 3]);
    expect(await fm.exists('/out/./A01_s001_w1.tif', 'memory')).toBe(true);
    expect(await fm.exists('/out/A02.tif', 'memory')).toBe(false);
    expect(await fm.list('/out/', 'memory')).toEqual([
      '/out/A01_s001_w1.tif',
      '/out/A01_s001_w2.tif'
    ]);
  });

  it('names the backend and path in errors', async () => {
    const fm = new FileManager();
    await expect(fm.load('/out/missing.tif', 'memory')).rejects.toThrow(
      '[memory backend] /out/missing.tif: nothing saved at this path'
    );
    await expect(fm.save(plane(1), '/x.tif', 'disk')).rejects.toThrow(
      /FileManager \(path \/x\.tif\): no storage backend named 'disk' \(registered: memory\)/
    );
    await expect(fm.load('/x.tif', 'napari_stream')).rejects.toThrow(
      /'napari_stream'.*'memory', 'disk', 'zarr'/
    );
    await expect(fm.save(plane(1), '', 'memory')).rejects.toThrow(
      /path must be a non-empty string/
    );
    await expect(fm.saveBatch([plane(1)], ['/a.tif', '/b.tif'], 'memory')).rejects.toThrow(
      /1 arrays but 2 paths/
    );
    expect(new FileManager([]).backendNames).toEqual([]);
  });

  it('frees memory per well directory', async () => {
    const mem = new MemoryBackend();
    const fm = new FileManager([mem]);
    await fm.saveBatch(
      [plane(1), plane(2), plane(3)],
      ['/w/A01/a.tif', '/w/A01/b.tif', '/w/A02/a.tif'],
      'memory'
    );
    expect(mem.clear('/w/A01')).toBe(2);
    expect(await fm.exists('/w/A02/a.tif', 'memory')).toBe(true);
    expect(mem.delete('/w/A02/a.tif')).toBe(true);
    expect(mem.clear()).toBe(0);
  });
});
