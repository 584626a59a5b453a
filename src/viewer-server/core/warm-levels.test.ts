import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { jest } from '@jest/globals';
import { encodeBatch } from '../../protocol/index.js';
import { ViewerCore } from './viewer-core.js';

const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-warm-test-'));
afterAll(() => fs.rmSync(storeDir, { recursive: true, force: true }));

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not reached within ${ms} ms`);
    await new Promise(r => setTimeout(r, 5));
  }
}

const N = 1024;
function sendWell(core: ViewerCore, well: string, labels = false) {
  const pixels = Uint16Array.from({ length: N * N }, (_, i) => (i * 31 + well.length) & 0xffff);
  return core.ingest(
    encodeBatch(
      {
        type: 'batch',
        images: [
          {
            path: `${well}.tif`,
            shape: [N, N],
            dtype: 'uint16',
            image_id: well,
            frame: 1,
            metadata: { source: 's', well },
            ...(labels ? { data_type: 'labels' as const } : {})
          }
        ]
      },
      [new Uint8Array(pixels.buffer)]
    )
  );
}

describe('ViewerCore grid levels', () => {
  it('computes each plane’s grid level while idle, so the grid reads no full plane', async () => {
    const core = new ViewerCore({ memoryBudgetBytes: 1 << 30, storeDir });
    try {
      for (const well of ['A01', 'A02', 'A03']) await sendWell(core, well);
      await until(() => core.warmer.pending === 0);
      expect(core.warmer.warmed).toBe(3);
      const get = jest.spyOn(core.planes, 'get');
      for (const well of ['A01', 'A02', 'A03']) {
        // a 96-well grid in a 1000 px panel asks max=80: level 3 (128²), and 40: level 4
        for (const max of [80, 40]) {
          const served = await core.plane('source_s', { well }, max);
          expect(served.shape).toEqual(max === 80 ? [128, 128] : [64, 64]);
          served.release();
        }
      }
      expect(get).not.toHaveBeenCalled();
      // a bigger view still reads the full plane, on demand
      (await core.plane('source_s', { well: 'A01' }, 300)).release();
      expect(get).toHaveBeenCalledTimes(1);
    } finally {
      await core.close();
    }
  });

  it('leaves labels alone (their levels are sampled, never averaged)', async () => {
    const core = new ViewerCore({ memoryBudgetBytes: 1 << 30, storeDir });
    try {
      await sendWell(core, 'A01', true);
      expect(core.layers.list().map(l => l.kind)).toEqual(['labels']);
      expect(core.warmer.pending).toBe(0);
    } finally {
      await core.close();
    }
  });

  it('forgets what a clear removed', async () => {
    const core = new ViewerCore({ memoryBudgetBytes: 1 << 30, storeDir });
    try {
      await sendWell(core, 'A01');
      core.clear();
      expect(core.warmer.pending).toBe(0);
    } finally {
      await core.close();
    }
  });
});
