import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { compile } from './compiler.js';
import { summarizePlan } from './plan-summary.js';
import { STREAMING_DEFAULTS } from '../model/streaming-config.js';
import type { NdArray } from '../model/image-data.js';
import { Pipeline } from '../model/pipeline.js';
import type { Plate } from '../plate/plate.js';
import { selectStreamedOutputs, type SelectionInput } from './selection.js';
import { Step } from '../model/step.js';

const base: SelectionInput = {
  step: 'S',
  stepIndex: 0,
  well: 'A01',
  plateWells: ['A01', 'A02', 'B01'],
  streaming: { ...STREAMING_DEFAULTS, enabled: true },
  writeBackend: 'memory',
  outputDir: '/out/S',
  checkpoint: null
};

describe('selectStreamedOutputs', () => {
  it('selects nothing for a memory-only step, even with streaming on', () => {
    expect(selectStreamedOutputs(base)).toBeNull();
  });

  it('selects main outputs written to disk or zarr', () => {
    expect(
      selectStreamedOutputs({ ...base, writeBackend: 'zarr', outputDir: '/out/images.zarr' })
    ).toEqual({
      step: 'S',
      stepIndex: 0,
      well: 'A01',
      visualizer: 'pipeline-viewer:5555',
      targets: [{ kind: 'main', backend: 'zarr', dir: '/out/images.zarr' }]
    });
  });

  it('selects checkpoints of an intermediate step, and both for a checkpointed last step', () => {
    const checkpoint = { dir: '/out/checkpoints/S', backend: 'disk' as const };
    expect(selectStreamedOutputs({ ...base, checkpoint })?.targets).toEqual([
      { kind: 'checkpoint', ...checkpoint }
    ]);
    expect(
      selectStreamedOutputs({
        ...base,
        checkpoint,
        writeBackend: 'disk',
        outputDir: '/out'
      })?.targets.map(t => t.kind)
    ).toEqual(['main', 'checkpoint']);
  });

  it('selects nothing when streaming is off', () => {
    expect(
      selectStreamedOutputs({ ...base, writeBackend: 'disk', streaming: { ...STREAMING_DEFAULTS } })
    ).toBeNull();
  });

  it('applies the streaming well filter', () => {
    const disk = { ...base, writeBackend: 'disk' as const, outputDir: '/out' };
    const first2 = { ...STREAMING_DEFAULTS, enabled: true, well_filter: 2 };
    expect(
      ['A01', 'A02', 'B01'].map(
        well => selectStreamedOutputs({ ...disk, well, streaming: first2 }) !== null
      )
    ).toEqual([true, true, false]);
    const notRowA = { ...first2, well_filter: 'row:A', well_filter_mode: 'exclude' as const };
    expect(
      ['A01', 'A02', 'B01'].map(
        well => selectStreamedOutputs({ ...disk, well, streaming: notRowA }) !== null
      )
    ).toEqual([false, false, true]);
  });
});

describe('selection in a compiled plan', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'selection-test-'));
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it('names per step and well what streams: checkpoints after the materialization and streaming filters, main outputs', async () => {
    const wells = ['A01', 'A02', 'B01', 'B02'];
    const plate: Plate = {
      root: path.join(tmp, 'plate'),
      name: 'p',
      wells,
      images: wells.map(well => ({
        path: `/p/${well}_s1_w1.tif`,
        well,
        site: 1,
        channel: 1,
        z_index: null,
        timepoint: null
      })),
      channelNames: {}
    };
    const f = (s: NdArray) => s;
    const pipeline = new Pipeline({
      steps: [
        new Step({ name: 'Memory only', func: f, streaming: {} }),
        new Step({
          name: 'Checkpointed',
          func: f,
          materialization: { well_filter: 'row:A' },
          streaming: { well_filter: ['A02', 'B01'] }
        }),
        new Step({ name: 'Quiet', func: f }),
        new Step({ name: 'Final', func: f, streaming: { well_filter: 3 } })
      ]
    });
    const plan = await compile(pipeline, plate, { output_dir: path.join(tmp, 'out') });
    expect(
      plan.selection.map(s => `${s.step}/${s.well}/${s.targets.map(t => t.kind).join('+')}`)
    ).toEqual([
      // A02 only: B01 passes the streaming filter but has no checkpoint (materialization: row A).
      'Checkpointed/A02/checkpoint',
      'Final/A01/main',
      'Final/A02/main',
      'Final/B01/main'
    ]);
    expect(plan.wells[1].steps[1].stream?.targets[0].dir).toBe(
      path.join(tmp, 'out', 'checkpoints', 'Checkpointed')
    );
    expect(plan.wells[0].steps[0].stream).toBeNull();
    // The memory-only step still needs its viewer (it asked for one), as OpenHCS's compiler does.
    expect(plan.requiredVisualizers.map(v => v.steps)).toEqual([
      ['Memory only', 'Checkpointed', 'Final']
    ]);
    const summary = summarizePlan(plan).split('\n');
    expect(summary[2]).toMatch(
      /1\. Memory only \[site\] disk → memory; streaming on \(port 5555\) but nothing materialized to stream; runs on main/
    );
    expect(summary[3]).toMatch(
      /2\. Checkpointed .*checkpoint → .*checkpoints\/Checkpointed \(disk\); streams 1 well\(s\) to port 5555 \(A02\)/
    );
    expect(summary[5]).toMatch(
      /4\. Final .*memory → disk; streams 3 well\(s\) to port 5555 \(A01, A02, B01\)/
    );
    expect(summary[6]).toBe(
      '  viewers: pipeline-viewer on 127.0.0.1:5555 (Memory only, Checkpointed, Final)'
    );
  });
});
