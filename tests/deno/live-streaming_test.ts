/**
 * Issue 10 (second Run All ≤ 1.5 s to the first image): inside Deno, the runtime of the
 * Deno Jupyter kernel, zeromq's native socket events are handled only on a macrotask turn.
 * A run whose steps chain promises only held the viewer's ping, clear and every send until
 * it ended (the demo's first image came after the whole run). The orchestrator now yields a
 * turn after each step: the run's viewer gate (ping + clear of the earlier runs) is done
 * while the wells still compute. REAL viewer server; port 24030 (+1000, +3000).
 * Run: node_modules/.bin/deno test -A tests/deno/
 */
import { ok as assert } from 'node:assert/strict';
import * as path from 'node:path';
import { compile, createNdArray, Pipeline, readPlate, run, Step } from '../../lib/runtime/index.js';
import { writeSyntheticPlate } from '../../lib/runtime/notebook/index.js';
import { viewerManagerFor } from '../../lib/runtime/streaming/viewer-manager.js';

const PORT = 24030;

/** A step of real work (~10 ms of CPU), synchronous as notebook functions are. */
function busy(stack: { data: Uint16Array; shape: number[] }) {
  const src = stack.data;
  const out = new Uint16Array(src.length);
  const until = performance.now() + 10;
  do for (let i = 0; i < src.length; i++) out[i] = src[i] ^ 1;
  while (performance.now() < until);
  return createNdArray(out, stack.shape, 'uint16');
}

Deno.test({
  name: 'Deno: a run reaches its viewer server while its wells still compute',
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const home = await Deno.makeTempDir({ prefix: 'plv-deno-live-' });
    Deno.env.set('PIPELINE_VIEWER_HOME', home);
    const manager = viewerManagerFor({ port: PORT, persistent: false });
    try {
      await manager.start(); // the server is up: a second run finds it, as in the notebook
      const plateDir = path.join(home, 'plate');
      await writeSyntheticPlate(plateDir, {
        wells: 16,
        sites: 1,
        channels: 1,
        zPlanes: 1,
        width: 64,
        height: 64
      });
      const plate = await readPlate(plateDir);
      const pipeline = new Pipeline({
        name: 'live',
        steps: [
          new Step({ name: 'A', func: busy }),
          new Step({ name: 'B', func: busy }),
          new Step({ name: 'C', func: busy, streaming: { enabled: true, port: PORT } })
        ]
      });
      const plan = await compile(pipeline, plate, { output_dir: path.join(home, 'out') });
      let clearedAt = Infinity;
      const clearOwner = manager.clearOwner.bind(manager);
      manager.clearOwner = async (...args: [string, string?]) => {
        const done = await clearOwner(...args);
        clearedAt = performance.now();
        return done;
      };
      let lastWellAt = 0;
      const result = await run(plan, {
        onEvent: (e: { type: string }) => {
          if (e.type === 'well-finished') lastWellAt = performance.now();
        }
      });
      assert(
        result.ok,
        JSON.stringify(result.wells.filter((w: { status: string }) => w.status !== 'ok'))
      );
      assert(result.stream.total.sent === 16, JSON.stringify(result.stream.total));
      assert(
        clearedAt < lastWellAt,
        `the viewer gate was done ${(clearedAt - lastWellAt).toFixed(0)} ms after the last well: the run starved zeromq's events`
      );
    } finally {
      await manager.stop();
      await Deno.remove(home, { recursive: true }).catch(() => {});
    }
  }
});
