/**
 * The runtime inside Deno (the runtime of the Deno Jupyter kernel): compile and run a small
 * pipeline on a synthetic plate, with an inline step in this process and a module step on the
 * piscina worker pool, writing real TIFFs; and the clear error for an inline function asked to
 * run on workers. Imports the built package (`npx tsc -b`, done by `npm test`).
 * Run: node_modules/.bin/deno test -A tests/deno/
 */
// node:assert, not jsr:@std/assert: the machine reaches the npm registry only.
import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects
} from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// Deno does not map the built .js files to their .d.ts (nor src/*.ts to `.js` imports without
// sloppy imports), so these imports are untyped here; the few shapes used are declared below.
import {
  CompileError,
  DiskBackend,
  Pipeline,
  Step,
  compile,
  readPlate,
  run,
  writeSyntheticPlate
} from '../../lib/runtime/index.js';

interface NdArray {
  data: Uint16Array;
  shape: number[];
  dtype: string;
}
interface StepPlan {
  placement: Record<string, string[]>;
}
interface WellResult {
  error?: { step: string; message: string };
  steps: { planes: number }[];
}

const fns = fileURLToPath(new URL('../runtime/fixtures/step-functions.js', import.meta.url));

/** Inline step (a closure, as in a notebook cell): inverts uint16 pixels. */
const invert = (stack: NdArray): NdArray => {
  const data = new Uint16Array(stack.data.length);
  for (let i = 0; i < data.length; i++) data[i] = 65535 - stack.data[i];
  return { data, shape: stack.shape, dtype: 'uint16' };
};

Deno.test({
  name: 'Deno: compile and run a pipeline (inline step in-process, module step on piscina workers)',
  // piscina's worker threads are torn down by pool.destroy(); Deno's op sanitizer still sees
  // their message ports closing asynchronously.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: 'plv-runtime-' });
    try {
      const synthetic = await writeSyntheticPlate(path.join(tmp, 'plate'), {
        wells: 2,
        sites: 1,
        channels: 2,
        zPlanes: 3,
        width: 64,
        height: 64
      });
      const plate = await readPlate(synthetic.dir);
      assertEquals(plate.wells, ['A01', 'A02']);
      const pipeline = new Pipeline({
        name: 'deno',
        steps: [
          new Step({ name: 'Invert', func: invert, materialization: {} }),
          new Step({
            name: 'Max Z',
            func: { module: fns, export: 'maxProject' },
            variableComponents: ['z_index'],
            runOn: 'workers'
          })
        ]
      });
      const out = path.join(tmp, 'out');
      const plan = await compile(pipeline, plate, { output_dir: out, num_workers: 2 });
      assertEquals(
        (plan.steps as unknown as StepPlan[]).map(s => s.placement['*']),
        [['main'], ['workers']]
      );
      const result = await run(plan);
      assert(result.ok, JSON.stringify(result.wells.map((w: WellResult) => w.error)));
      assertEquals(
        result.wells.map((w: WellResult) => w.steps.map(s => s.planes)),
        [
          [6, 2],
          [6, 2]
        ]
      );

      const files = (await readdir(out)).filter(f => f.endsWith('.tif')).sort();
      assertEquals(files, [
        'A01_s001_w1_z001_t001.tif',
        'A01_s001_w2_z001_t001.tif',
        'A02_s001_w1_z001_t001.tif',
        'A02_s001_w2_z001_t001.tif'
      ]);
      // The projection of the inverted planes equals 65535 − min over z of the input, pixel by pixel.
      const disk = new DiskBackend();
      const zs = await Promise.all(
        [1, 2, 3].map(z => disk.load(path.join(synthetic.dir, `A02_s001_w2_z00${z}_t001.tif`)))
      );
      const projected = await disk.load(path.join(out, 'A02_s001_w2_z001_t001.tif'));
      for (const i of [0, 1000, 64 * 64 - 1]) {
        assertEquals(projected.data[i], 65535 - Math.min(...zs.map((z: NdArray) => z.data[i])));
      }
      assertEquals(
        (await readdir(path.join(out, 'checkpoints', 'Invert'))).filter(f => f.endsWith('.tif'))
          .length,
        12
      );

      // addOffset with markThread writes the worker's thread id into pixel 0: not the main
      // thread (id 0), so the step really ran on a piscina worker under Deno.
      const marked = new Pipeline({
        steps: [
          new Step({
            name: 'Mark',
            func: { module: fns, export: 'addOffset', args: { markThread: true } }
          })
        ]
      });
      const out2 = path.join(tmp, 'out-marked');
      assert((await run(await compile(marked, plate, { output_dir: out2, num_workers: 1 }))).ok);
      const mark = await disk.load(path.join(out2, 'A01_s001_w1_z001_t001.tif'));
      assert(mark.data[0] >= 1, `pixel 0 holds thread id ${mark.data[0]}`);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  }
});

Deno.test(
  'Deno: an inline function cannot be sent to workers, and the error says why and what to do',
  async () => {
    const tmp = await Deno.makeTempDir({ prefix: 'plv-runtime-' });
    try {
      const synthetic = await writeSyntheticPlate(path.join(tmp, 'plate'), {
        wells: 1,
        sites: 1,
        channels: 1,
        zPlanes: 1,
        width: 16,
        height: 16
      });
      const plate = await readPlate(synthetic.dir);
      const pipeline = new Pipeline({
        steps: [new Step({ name: 'Cell fn', func: invert, runOn: 'workers' })]
      });
      await assertRejects(
        compile(pipeline, plate, { output_dir: path.join(tmp, 'out') }),
        (e: unknown) => {
          assert(e instanceof CompileError);
          assert(
            /Step 'Cell fn'.*cannot be moved to another thread.*move the function into a module file/.test(
              (e as Error).message
            )
          );
          return true;
        }
      );
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  }
);
