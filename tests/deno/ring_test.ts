/**
 * The producer's shared-memory ring in Deno, where notebooks run the producer: a run's
 * batches go through ring slots (pwrite into reused files, exit handler, pid checks are
 * Node APIs Deno emulates), the server stores them, and a closed stream leaves no slot.
 * Needs the built package (`npx tsc -b`); port 24370 (+1000, +3000).
 */
import { deepStrictEqual as assertEquals, ok as assert } from 'node:assert/strict';
import { controlRequest } from '../../lib/protocol/node/control-client.js';
import { listRingSlots } from '../../lib/protocol/node/shm-ring.js';
import { StreamBackend } from '../../lib/runtime/streaming/stream-backend.js';
import { ViewerManager } from '../../lib/runtime/streaming/viewer-manager.js';

const PORT = 24370;

Deno.test({
  name: 'Deno: batches go through ring slots, and a closed stream leaves none',
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    Deno.env.set('PIPELINE_VIEWER_HOME', await Deno.makeTempDir({ prefix: 'plv-deno-ring-' }));
    const manager = new ViewerManager({ port: PORT, persistent: false });
    const mine = () => listRingSlots().filter(n => parseInt(n.slice(5, 13), 16) === Deno.pid);
    try {
      const pong = await manager.start();
      const backend = new StreamBackend({
        port: PORT,
        gate: Promise.resolve({ port: PORT, transports: pong.transports })
      });
      const batch = (well: string) => ({
        step: 'Ring',
        well,
        display: { component_modes: { source: 'slice', well: 'stack', z_index: 'stack' } },
        items: [1, 2].map(z => ({
          path: `/deno/${well}_z${z}.tif`,
          array: {
            data: new Uint16Array(64 * 64).fill(z),
            shape: [64, 64],
            dtype: 'uint16' as const
          },
          metadata: { z_index: z }
        }))
      });
      backend.enqueue(batch('A01'));
      backend.enqueue(batch('A02'));
      const report = await backend.flush(10_000);
      assertEquals([report.sent, report.dropped, report.errors], [4, 0, []]);
      assertEquals(backend.pixelTransport, 'ring');
      assertEquals(mine().length, 2); // 4 images through 2 reused slots
      const status = await controlRequest(PORT, { type: 'status' }, { timeoutMs: 5000 });
      assert(status.type === 'status');
      assertEquals(
        status.status.layers.reduce(
          (n: number, l: { image_count: number }) => n + l.image_count,
          0
        ),
        4
      );
      await backend.close();
      assertEquals(mine(), []);
    } finally {
      await manager.stop();
    }
  }
});
