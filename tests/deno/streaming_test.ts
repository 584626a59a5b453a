/**
 * The producer inside Deno (the runtime of the Deno Jupyter kernel): start a REAL viewer
 * server from Deno, `show()` an array and read it back through `status`.
 * Needs the built package (`npx tsc -b`, done by `npm test`); port 20160 (+1000, +3000).
 * Run: node_modules/.bin/deno test -A tests/deno/
 */
// node:assert, not jsr:@std/assert: the machine reaches the npm registry only.
import { deepStrictEqual as assertEquals, ok as assert } from 'node:assert/strict';
import { controlRequest } from '../../lib/protocol/node/control-client.js';
import { ViewerManager } from '../../lib/runtime/streaming/viewer-manager.js';

const PORT = 20160;

Deno.test({
  name: 'Deno: ViewerManager starts the server and show() round-trips an array',
  // zeromq keeps native handles; the server is a detached process by design.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    Deno.env.set('PIPELINE_VIEWER_HOME', await Deno.makeTempDir({ prefix: 'plv-deno-' }));
    const manager = new ViewerManager({ port: PORT, persistent: false });
    try {
      const pong = await manager.start();
      assert(pong.ready);
      assertEquals(pong.port, PORT);
      assert(await manager.isRunning());
      await manager.clear();
      const before = await controlRequest(PORT, { type: 'status' }, { timeoutMs: 5000 });
      assert(before.type === 'status');
      assertEquals(before.status.layers, []);

      const data = new Uint16Array(48 * 64).map((_, i) => i % 4096);
      const reply = await manager.show(
        { data, shape: [48, 64], dtype: 'uint16' },
        { name: 'from-deno', colormap: 'magma' }
      );
      assertEquals(reply, { status: 'success', type: 'batch', accepted: 1, rejected: 0 });

      const status = await controlRequest(PORT, { type: 'status' }, { timeoutMs: 5000 });
      assert(status.type === 'status');
      assertEquals(status.status.pid, pong.pid);
      const layer = status.status.layers.find((l: { key: string }) => l.key === 'from-deno');
      assert(layer, `layer 'from-deno' missing: ${JSON.stringify(status.status.layers)}`);
      assertEquals(
        [layer.dtype, layer.shape, layer.image_count, layer.colormap],
        ['uint16', [48, 64], 1, 'magma']
      );
      // Counters are cumulative over the server's life; show() added exactly one image's bytes.
      assertEquals(status.status.counters.bytes - before.status.counters.bytes, 48 * 64 * 2);
    } finally {
      await manager.stop(); // not persistent: shuts the server down
    }
    assertEquals(await manager.isRunning(), false);
  }
});
