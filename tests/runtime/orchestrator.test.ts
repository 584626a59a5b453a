/**
 * The orchestrator on a real plate: TIFFs written and read back through itk-wasm, a zarr store
 * opened again, module functions on real worker threads, a failing well, and a recording sink.
 */
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import * as zarr from 'zarrita';
import { FileSystemStore } from '@zarrita/storage';
import { compile } from '../../src/runtime/compile/compiler.js';
import type { NdArray } from '../../src/runtime/model/image-data.js';
import { run } from '../../src/runtime/index.js';
import { Pipeline } from '../../src/runtime/model/pipeline.js';
import { readPlate } from '../../src/runtime/plate/read-plate.js';
import type { Plate } from '../../src/runtime/plate/plate.js';
import { Step } from '../../src/runtime/model/step.js';
import { DiskBackend } from '../../src/runtime/storage/disk-backend.js';
import { ZarrBackend } from '../../src/runtime/storage/zarr-backend.js';
import type { StreamBatch, StreamSink } from '../../src/runtime/model/stream-sink.js';
import { baseValue, writeTestPlate } from './test-plate.js';

const fns = path.resolve('tests/runtime/fixtures/step-functions.js');
const WELLS = ['A01', 'A02', 'B01'];
const SIZE = 64;

let tmp: string;
let plate: Plate;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'orchestrator-test-'));
  plate = await readPlate(
    await writeTestPlate(path.join(tmp, 'plate'), {
      wells: WELLS,
      sites: 1,
      channels: 2,
      zs: 3,
      size: SIZE
    })
  );
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** Inline (closure) step: adds one to every pixel, in this process. */
const addOne = (stack: NdArray): NdArray => {
  const data = new Uint16Array(stack.data.length);
  for (let i = 0; i < data.length; i++) data[i] = stack.data[i] + 1;
  return { data, shape: stack.shape, dtype: stack.dtype };
};

const tiffs = async (dir: string) =>
  (await readdir(dir).catch(() => [] as string[])).filter(f => f.endsWith('.tif')).sort();

describe('run', () => {
  it('runs an inline step and a worker max projection, writing checkpoints and main outputs as TIFFs', async () => {
    const out = path.join(tmp, 'out-basic');
    const pipeline = new Pipeline({
      name: 'basic',
      steps: [
        new Step({ name: 'Add one', func: addOne, materialization: {} }),
        new Step({
          name: 'Max Z',
          func: { module: fns, export: 'maxProject' },
          variableComponents: ['z_index']
        })
      ]
    });
    const plan = await compile(pipeline, plate, { output_dir: out, num_workers: 2 });
    expect(plan.steps.map(s => s.placement['*'])).toEqual([['main'], ['workers']]);
    const events: string[] = [];
    const result = await run(plan, { onEvent: e => events.push(e.type) });

    expect(result.ok).toBe(true);
    expect(result.wells.map(w => [w.well, w.status, w.steps.map(s => [s.step, s.planes])])).toEqual(
      WELLS.map(w => [
        w,
        'ok',
        [
          ['Add one', 6],
          ['Max Z', 2]
        ]
      ])
    );
    for (const w of result.wells) expect(w.durationMs).toBeGreaterThan(0);
    expect(events.filter(e => e === 'step-finished')).toHaveLength(6);
    // No viewer asked for: nothing streamed, nothing dropped.
    expect(result.stream.total).toEqual({ sent: 0, dropped: 0, errors: [] });

    // Main outputs: one plane per (site, channel), the projection keeps z_index 1.
    const main = await tiffs(out);
    expect(main).toHaveLength(WELLS.length * 2);
    expect(main).toContain('B01_s001_w2_z001_t001.tif');
    expect(result.wells[2].outputs).toContain(path.join(out, 'B01_s001_w2_z001_t001.tif'));
    const disk = new DiskBackend();
    const plane = await disk.load(path.join(out, 'B01_s001_w2_z001_t001.tif'));
    expect(plane.shape).toEqual([SIZE, SIZE]);
    // max over z of (base + 1) is z = 3; odd columns carry +1.
    expect([plane.data[0], plane.data[1]]).toEqual([
      baseValue(2, 1, 2, 3) + 1,
      baseValue(2, 1, 2, 3) + 2
    ]);

    // Checkpoints of the first step: every plane of every well, values +1.
    const ckpt = path.join(out, 'checkpoints', 'Add_one');
    expect(await tiffs(ckpt)).toHaveLength(WELLS.length * 6);
    const c = await disk.load(path.join(ckpt, 'A02_s001_w1_z002_t001.tif'));
    expect(c.data[0]).toBe(baseValue(1, 1, 1, 2) + 1);
  });

  it('runs module functions on worker threads (args passed) and writes an OME-Zarr store that opens again', async () => {
    const out = path.join(tmp, 'out-zarr');
    const pipeline = new Pipeline({
      steps: [
        new Step({
          name: 'Offset',
          func: { module: fns, export: 'addOffset', args: { offset: 7, markThread: true } },
          runOn: 'workers'
        })
      ]
    });
    const plan = await compile(pipeline, plate, {
      output_dir: out,
      output_backend: 'zarr',
      num_workers: 2
    });
    const result = await run(plan);
    expect(result.ok).toBe(true);
    const store = path.join(out, 'images.zarr');
    expect(result.wells[0].outputs[0]).toBe(path.join(store, 'A01_s001_w1_z001_t001.tif'));

    const zb = new ZarrBackend();
    const a = await zb.load(path.join(store, 'A02_s001_w1_z003_t001.tif'));
    expect(a.shape).toEqual([SIZE, SIZE]);
    expect([a.data[1], a.data[2]]).toEqual([baseValue(1, 1, 1, 3) + 8, baseValue(1, 1, 1, 3) + 7]);
    // Pixel 0 of each stack's first plane holds the thread id it ran on: not this thread.
    const first = await zb.load(path.join(store, 'A01_s001_w1_z001_t001.tif'));
    expect(first.data[0]).not.toBe(threadId);
    expect(first.data[0]).toBeGreaterThan(0);

    // Opened again with zarrita directly: (t, c, z, y, x) of field 0 (site 1) of well A/02.
    const arr = await zarr.open(zarr.root(new FileSystemStore(store)).resolve('A/02/0/0'), {
      kind: 'array'
    });
    expect(arr.shape).toEqual([1, 2, 3, SIZE, SIZE]);
  });

  it('reports a step failing in one well with well and step; other wells complete, the failed well writes nothing', async () => {
    const out = path.join(tmp, 'out-fail');
    const pipeline = new Pipeline({
      steps: [
        new Step({ name: 'Add one', func: addOne, materialization: {} }),
        new Step({
          name: 'Explode',
          func: { module: fns, export: 'failInWell', args: { well: 'A02' } }
        })
      ]
    });
    const result = await run(await compile(pipeline, plate, { output_dir: out }));
    expect(result.ok).toBe(false);
    const byWell = Object.fromEntries(result.wells.map(w => [w.well, w]));
    expect(byWell.A02.status).toBe('failed');
    expect(byWell.A02.error).toEqual({
      step: 'Explode',
      message: expect.stringContaining('deliberate failure in A02')
    });
    expect(byWell.A02.outputs).toEqual([]);
    expect(byWell.A02.steps.map(s => s.step)).toEqual(['Add one']);
    expect([byWell.A01.status, byWell.B01.status]).toEqual(['ok', 'ok']);

    const main = await tiffs(out);
    const ckpt = await tiffs(path.join(out, 'checkpoints', 'Add_one'));
    expect(main.filter(f => f.startsWith('A02'))).toEqual([]);
    expect(ckpt.filter(f => f.startsWith('A02'))).toEqual([]);
    expect(main).toHaveLength(2 * 6);
    expect(ckpt).toHaveLength(2 * 6);
    const b = await new DiskBackend().load(path.join(out, 'B01_s001_w2_z003_t001.tif'));
    expect(b.data[0]).toBe(baseValue(2, 1, 2, 3) + 1);
  });

  it('hands the sink exactly the selected outputs: checkpoints of filtered wells and main outputs', async () => {
    const out = path.join(tmp, 'out-stream');
    const batches: StreamBatch[] = [];
    let flushedWith = -1;
    const sink: StreamSink = {
      enqueue: batch => (batches.push(batch), true),
      flush: async timeoutMs => {
        flushedWith = timeoutMs;
        return { sent: batches.reduce((n, b) => n + b.items.length, 0), dropped: 0, errors: [] };
      },
      close: async () => {}
    };
    const pipeline = new Pipeline({
      steps: [
        new Step({
          name: 'Add one',
          func: addOne,
          materialization: {},
          streaming: { well_filter: ['A01', 'B01'], colormap: 'viridis' }
        }),
        new Step({ name: 'Memory', func: addOne, streaming: {} }),
        new Step({
          name: 'Max Z',
          func: { module: fns, export: 'maxProject' },
          variableComponents: ['z_index'],
          streaming: { well_filter: 'row:A' }
        })
      ]
    });
    const plan = await compile(pipeline, plate, { output_dir: out, stream_flush_timeout_ms: 1234 });
    const asked: number[] = [];
    const result = await run(plan, { streamSinkFor: async v => (asked.push(v.port), sink) });

    expect(asked).toEqual([5555]);
    expect(flushedWith).toBe(1234);
    const key = (b: StreamBatch) => `${b.step}/${b.well}`;
    expect(batches.map(key).sort()).toEqual(plan.selection.map(s => `${s.step}/${s.well}`).sort());
    expect(batches.map(key).sort()).toEqual([
      'Add one/A01',
      'Add one/B01',
      'Max Z/A01',
      'Max Z/A02'
    ]);

    // Item paths are exactly the files materialized for those steps and wells.
    const streamed = batches.flatMap(b => b.items.map(i => i.path)).sort();
    const ckptDir = path.join(out, 'checkpoints', 'Add_one');
    const expected = [
      ...(await tiffs(ckptDir)).filter(f => /^(A01|B01)_/.test(f)).map(f => path.join(ckptDir, f)),
      ...(await tiffs(out)).filter(f => f.startsWith('A')).map(f => path.join(out, f))
    ].sort();
    expect(streamed).toEqual(expected);
    expect(streamed).toHaveLength(2 * 6 + 2 * 2);

    const ck = batches.find(b => key(b) === 'Add one/B01')!;
    expect(ck.display.colormap).toBe('viridis');
    expect(ck.items[0].metadata).toEqual({
      source: 'Add one',
      well: 'B01',
      site: 1,
      channel: 1,
      z_index: 1,
      timepoint: 1
    });
    expect(ck.items[0].array.shape).toEqual([SIZE, SIZE]);
    expect(ck.items[0].array.data[0]).toBe(baseValue(2, 1, 1, 1) + 1);
    // A projection's planes are streamed as one (the viewer reads "Z projection"); their
    // files keep the first input's z.
    const max = batches.find(b => key(b) === 'Max Z/A01')!;
    expect(max.items.map(i => i.metadata.z_index)).toEqual(max.items.map(() => 'projection'));
    expect(max.items.every(i => /_z0*1[._]/.test(path.basename(i.path)))).toBe(true);
    expect(result.stream.total).toEqual({ sent: 16, dropped: 0, errors: [] });
    expect(result.stream.byVisualizer['pipeline-viewer:5555']).toMatchObject({
      batches: 4,
      images: 16
    });
  });

  it('counts selected images as dropped when the viewer cannot be opened, and still runs', async () => {
    const pipeline = new Pipeline({
      steps: [new Step({ name: 'Add one', func: addOne, streaming: { well_filter: 1 } })]
    });
    const plan = await compile(pipeline, plate, { output_dir: path.join(tmp, 'out-noviewer') });
    const result = await run(plan, {
      streamSinkFor: async () => {
        throw new Error('port 5555 is taken');
      }
    });
    expect(result.ok).toBe(true);
    expect(result.stream.total.dropped).toBe(6);
    expect(result.stream.total.errors[0]).toMatch(
      /pipeline-viewer:5555: could not open the viewer on 127.0.0.1:5555: port 5555 is taken/
    );
  });

  it('bounds every function call with step_timeout_ms, on workers and in-process', async () => {
    // One well only: this test is about the timeout, not about reading the plate.
    const oneWell: Plate = {
      ...plate,
      wells: ['A01'],
      images: plate.images.filter(i => i.well === 'A01')
    };
    const stuckWorker = new Pipeline({
      steps: [new Step({ name: 'Stuck', func: { module: fns, export: 'neverReturns' } })]
    });
    const stuckInline = new Pipeline({
      steps: [new Step({ name: 'Stuck inline', func: () => new Promise<NdArray>(() => {}) })]
    });
    for (const [pipeline, step] of [
      [stuckWorker, 'Stuck'],
      [stuckInline, 'Stuck inline']
    ] as const) {
      const plan = await compile(pipeline, oneWell, {
        output_dir: path.join(tmp, 'out-timeout'),
        step_timeout_ms: 300
      });
      expect(plan.settings.from.step_timeout_ms).toBe('global');
      const t0 = Date.now();
      const result = await run(plan, { streamSinkFor: null });
      expect(Date.now() - t0).toBeLessThan(20_000);
      expect(result.wells[0].status).toBe('failed');
      expect(result.wells[0].error).toEqual({
        step,
        message: expect.stringMatching(/did not finish within 300 ms \(step_timeout_ms\)/)
      });
    }
  });

  it('picks a function per channel from a func dict (groupBy channel), inline and on workers', async () => {
    const oneWell: Plate = {
      ...plate,
      wells: ['A02'],
      images: plate.images.filter(i => i.well === 'A02')
    };
    const pipeline = new Pipeline({
      steps: [
        new Step({
          name: 'Per channel',
          groupBy: 'channel',
          func: {
            '1': addOne,
            '2': [{ module: fns, export: 'addOffset', args: { offset: 100 } }, addOne]
          }
        })
      ]
    });
    const plan = await compile(pipeline, oneWell, { output_dir: path.join(tmp, 'out-dict') });
    expect(plan.steps[0].placement).toEqual({ '1': ['main'], '2': ['workers', 'main'] });
    const result = await run(plan, { streamSinkFor: null });
    expect(result.ok).toBe(true);
    const disk = new DiskBackend();
    const c1 = await disk.load(path.join(tmp, 'out-dict', 'A02_s001_w1_z002_t001.tif'));
    const c2 = await disk.load(path.join(tmp, 'out-dict', 'A02_s001_w2_z002_t001.tif'));
    expect(c1.data[0]).toBe(baseValue(1, 1, 1, 2) + 1);
    expect(c2.data[0]).toBe(baseValue(1, 1, 2, 2) + 101);
  });

  it("removes a well's files again when writing its outputs fails part-way", async () => {
    const oneWell: Plate = {
      ...plate,
      wells: ['B01'],
      images: plate.images.filter(i => i.well === 'B01')
    };
    // A folder stands where the first main output goes: that write fails (the rename over a
    // folder) after the checkpoints of the first step were written.
    const toFloat64 = (stack: NdArray): NdArray => ({
      data: Float64Array.from(stack.data),
      shape: stack.shape,
      dtype: 'float64'
    });
    const pipeline = new Pipeline({
      steps: [
        new Step({ name: 'Add one', func: addOne, materialization: {} }),
        new Step({ name: 'To float64', func: toFloat64 })
      ]
    });
    const out = path.join(tmp, 'out-writefail');
    const blocked = 'B01_s001_w1_z001_t001.tif';
    await mkdir(path.join(out, blocked), { recursive: true });
    const result = await run(await compile(pipeline, oneWell, { output_dir: out }), {
      streamSinkFor: null
    });
    const w = result.wells[0];
    expect(w.status).toBe('failed');
    expect(w.error).toEqual({
      step: 'To float64',
      message: expect.stringMatching(
        /writing .*B01_s001_w1_z001_t001.tif failed: .*writing failed, nothing was written/
      )
    });
    expect(w.cleanup?.removed).toHaveLength(6);
    expect(w.cleanup?.leftBehind).toEqual([]);
    expect(await tiffs(path.join(out, 'checkpoints', 'Add_one'))).toEqual([]);
    expect(await tiffs(out)).toEqual([blocked]); // only the folder that blocked the write
  });
});
