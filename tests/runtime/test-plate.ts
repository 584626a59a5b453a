/**
 * A tiny plate with known pixel values, so tests can check what each step computed:
 * pixel (y, x) of well w (index), site s, channel c, z = w*1000 + s*100 + c*10 + z (+ x % 2).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DiskBackend } from '../../src/runtime/storage/disk-backend.js';
import { formatImageXpressName } from '../../src/runtime/model/image-xpress.js';

export interface TestPlateOptions {
  wells?: string[];
  sites?: number;
  channels?: number;
  zs?: number;
  size?: number;
}

export function baseValue(wellIndex: number, site: number, channel: number, z: number): number {
  return wellIndex * 1000 + site * 100 + channel * 10 + z;
}

export async function writeTestPlate(dir: string, options: TestPlateOptions = {}): Promise<string> {
  const { wells = ['A01', 'A02', 'B01'], sites = 2, channels = 2, zs = 3, size = 64 } = options;
  await mkdir(dir, { recursive: true });
  const disk = new DiskBackend();
  for (const [wi, well] of wells.entries()) {
    for (let s = 1; s <= sites; s++) {
      for (let c = 1; c <= channels; c++) {
        for (let z = 1; z <= zs; z++) {
          const data = new Uint16Array(size * size);
          const v = baseValue(wi, s, c, z);
          for (let i = 0; i < data.length; i++) data[i] = v + ((i % size) % 2);
          const name = formatImageXpressName({
            well,
            site: s,
            channel: c,
            z_index: z,
            timepoint: 1
          });
          await disk.save({ data, shape: [size, size], dtype: 'uint16' }, path.join(dir, name));
        }
      }
    }
  }
  return dir;
}
