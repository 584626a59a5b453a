import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_COMPONENT_MODES } from '../../protocol/components.js';
import { CompileError } from './compile-error.js';
import { compile } from './compiler.js';
import type { NdArray } from '../model/image-data.js';
import { Pipeline } from '../model/pipeline.js';
import type { Plate, PlateImage } from '../plate/plate.js';
import { Step, type StepOptions } from '../model/step.js';

const identity = (s: NdArray) => s;
const fixtures = path.resolve('tests/runtime/fixtures/step-functions.js');

function plateOf(root: string, wells = ['A01', 'A02', 'B01', 'B02']): Plate {
  const images: PlateImage[] = [];
  for (const well of wells)
    for (const site of [1, 2])
      for (const channel of [1, 2])
        for (const z of [1, 2, 3])
          images.push({
            path: path.join(root, `${well}_s${site}_w${channel}_z${z}.tif`),
            well,
            site,
            channel,
            z_index: z,
            timepoint: 1
          });
  return { root, name: 'p', wells, images, channelNames: { '1': 'DAPI', '2': 'GFP' } };
}

let tmp: string;
let plate: Plate;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'compiler-test-'));
  plate = plateOf(path.join(tmp, 'plate'));
});
afterEach(() => rm(tmp, { recursive: true, force: true }));

const out = () => ({ output_dir: path.join(tmp, 'out') });
const step = (o: Partial<StepOptions> = {}) => new Step({ name: 'S', func: identity, ...o });
const pipe = (...steps: Step[]) => new Pipeline({ name: 'p', steps });

async function compileError(p: Pipeline, global: object = out()): Promise<CompileError> {
  const error = await compile(p, plate, global).then(
    () => null,
    (e: unknown) => e
  );
  expect(error).toBeInstanceOf(CompileError);
  return error as CompileError;
}

describe('compile: per-well step plans', () => {
  it('reads the plate first, passes intermediates in memory and writes the last step to disk', async () => {
    const plan = await compile(
      pipe(step({ name: 'Denoise' }), step({ name: 'Max', variableComponents: ['z_index'] })),
      plate,
      out()
    );
    const o = path.join(tmp, 'out');
    expect(plan.steps.map(s => [s.readBackend, s.writeBackend, s.outputDir])).toEqual([
      ['disk', 'memory', path.join(o, 'Denoise')],
      ['memory', 'disk', o]
    ]);
    expect(plan.wells.map(w => w.well)).toEqual(['A01', 'A02', 'B01', 'B02']);
    const a01 = plan.wells[0];
    expect(a01.inputs).toHaveLength(12);
    expect(a01.steps[0].input).toEqual({
      kind: 'plate',
      backend: 'disk',
      root: plate.root,
      images: 12
    });
    expect(a01.steps[1].input).toEqual({
      kind: 'step',
      step: 'Denoise',
      backend: 'memory',
      dir: path.join(o, 'Denoise')
    });
    expect(plan.steps[1].variableComponents).toEqual(['z_index']);
    expect(plan.steps[0].variableComponents).toEqual(['site']);
  });

  it('writes zarr main outputs and checkpoints into .zarr stores under the output dir', async () => {
    const plan = await compile(
      pipe(step({ name: 'A', materialization: { backend: 'zarr' } }), step({ name: 'B' })),
      plate,
      { ...out(), output_backend: 'zarr' }
    );
    const o = path.join(tmp, 'out');
    expect(plan.steps[0].checkpoint).toEqual({
      dir: path.join(o, 'checkpoints', 'A.zarr'),
      backend: 'zarr'
    });
    expect(plan.steps[1]).toMatchObject({
      writeBackend: 'zarr',
      outputDir: path.join(o, 'images.zarr'),
      checkpoint: null
    });
  });

  it('places module functions on workers and inline functions in this process', async () => {
    const plan = await compile(
      pipe(
        step({ name: 'mixed', func: [identity, { module: fixtures, export: 'maxProject' }] }),
        step({ name: 'main', func: { module: fixtures, export: 'maxProject' }, runOn: 'main' })
      ),
      plate,
      out()
    );
    expect(plan.steps[0].placement).toEqual({ '*': ['main', 'workers'] });
    expect(plan.steps[1].placement).toEqual({ '*': ['main'] });
  });
});

describe('compile: lazy configs resolve step → pipeline → global → default', () => {
  it('shows each resolved value and where it came from', async () => {
    const p = new Pipeline({
      name: 'p',
      steps: [step({ name: 'A', streaming: { colormap: 'magma' } }), step({ name: 'B' })],
      config: { streaming: { port: 5600, well_filter: 2 }, materialization: { sub_dir: 'ckpt' } }
    });
    const plan = await compile(p, plate, {
      ...out(),
      streaming: { port: 5700, persistent: false, host: '127.0.0.1' },
      num_workers: 3
    });
    const a = plan.steps[0].streaming;
    expect(a.values).toMatchObject({
      enabled: true,
      colormap: 'magma',
      port: 5600,
      persistent: false,
      well_filter: 2,
      z_index_mode: 'stack'
    });
    expect(a.from).toMatchObject({
      enabled: 'step',
      colormap: 'step',
      port: 'pipeline',
      persistent: 'global',
      well_filter: 'pipeline',
      z_index_mode: 'default'
    });
    // B declares no streaming config: it inherits enabled=false from the default.
    expect(plan.steps[1].streaming.values.enabled).toBe(false);
    expect(plan.steps[1].streaming.from.enabled).toBe('default');
    expect(plan.steps[0].materialization.values).toMatchObject({ enabled: false, sub_dir: 'ckpt' });
    expect(plan.steps[0].materialization.from.sub_dir).toBe('pipeline');
    expect(plan.settings.values.num_workers).toBe(3);
    expect(plan.settings.from).toMatchObject({
      num_workers: 'global',
      output_dir: 'global',
      output_backend: 'default'
    });
    expect(plan.steps[0].display).toEqual({
      component_modes: DEFAULT_COMPONENT_MODES,
      colormap: 'magma',
      variable_size_handling: 'pad_to_max'
    });
  });

  it('lets a step turn streaming off that the pipeline turned on', async () => {
    const p = new Pipeline({
      name: 'p',
      steps: [step({ name: 'A', streaming: { enabled: false } }), step({ name: 'B' })],
      config: { streaming: { enabled: true } }
    });
    const plan = await compile(p, plate, out());
    expect(plan.steps.map(s => [s.streaming.values.enabled, s.streaming.from.enabled])).toEqual([
      [false, 'step'],
      [true, 'pipeline']
    ]);
  });

  it('defaults output_dir to <plate>_outputs', async () => {
    const plan = await compile(pipe(step()), plate, {});
    expect(plan.settings.values.output_dir).toBe(`${plate.root}_outputs`);
    expect(plan.settings.from.output_dir).toBe('default');
  });
});

describe('compile: wells to process', () => {
  it('processes only the wells of the global/pipeline well_filter; step filters count within them', async () => {
    const p = new Pipeline({
      steps: [step({ streaming: { well_filter: 1 } })],
      config: { well_filter: 'row:B' }
    });
    const plan = await compile(p, plate, out());
    expect(plan.wells.map(w => w.well)).toEqual(['B01', 'B02']);
    expect(plan.wells[0].inputs.every(i => i.meta.well === 'B01')).toBe(true);
    expect(plan.selection.map(x => x.well)).toEqual(['B01']);
    expect(plan.settings.from.well_filter).toBe('pipeline');
  });

  it('refuses a bad filter or one that leaves no wells', async () => {
    expect((await compileError(pipe(step()), { ...out(), well_filter: 'row:' })).message).toMatch(
      /Pipeline: bad well_filter "row:" \(wells to process\)/
    );
    expect(
      (
        await compileError(pipe(step()), {
          ...out(),
          well_filter: 'row:A-B',
          well_filter_mode: 'exclude'
        })
      ).message
    ).toMatch(/leaves no wells to process/);
  });
});

describe('compile: required visualizers', () => {
  it('is empty when no step has an enabled streaming config', async () => {
    const plan = await compile(
      pipe(step({ name: 'A' }), step({ name: 'B', streaming: { enabled: false } })),
      plate,
      out()
    );
    expect(plan.requiredVisualizers).toEqual([]);
    expect(plan.selection).toEqual([]);
  });

  it('deduplicates by viewer kind and port', async () => {
    const plan = await compile(
      pipe(
        step({ name: 'A', streaming: {} }),
        step({ name: 'B', streaming: { port: 5560 } }),
        step({ name: 'C', streaming: { colormap: 'viridis' } })
      ),
      plate,
      out()
    );
    expect(plan.requiredVisualizers.map(v => [v.kind, v.port, v.steps])).toEqual([
      ['pipeline-viewer', 5555, ['A', 'C']],
      ['pipeline-viewer', 5560, ['B']]
    ]);
  });

  it('refuses one port on two hosts', async () => {
    const e = await compileError(
      pipe(
        step({ name: 'A', streaming: {} }),
        step({ name: 'B', streaming: { host: '127.0.0.2' } })
      )
    );
    expect(e.step).toBe('B');
    expect(e.message).toMatch(/port 5555.*'127.0.0.2'.*'A'/);
  });
});

describe('compile errors name the step and the fix', () => {
  it('unknown variable component, with a hint', async () => {
    const e = await compileError(
      pipe(step({ name: 'Project', variableComponents: ['z' as never] }))
    );
    expect(e.step).toBe('Project');
    expect(e.message).toMatch(/Step 'Project': unknown component 'z'.*did you mean 'z_index'/);
  });

  it('unknown groupBy component, and groupBy inside the variable components', async () => {
    expect((await compileError(pipe(step({ groupBy: 'colour' as never })))).message).toMatch(
      /unknown component 'colour' in groupBy/
    );
    expect((await compileError(pipe(step({ groupBy: 'site' })))).message).toMatch(
      /groupBy 'site' is also a variable component/
    );
  });

  it('bad well filters', async () => {
    const e = await compileError(pipe(step({ name: 'Show', streaming: { well_filter: 'row:9' } })));
    expect(e.message).toMatch(
      /Step 'Show': bad streaming well_filter "row:9".*Valid well filters.*Fix: set streaming.well_filter/
    );
    const m = await compileError(
      pipe(step({ name: 'Ck', materialization: { well_filter: ['A01', 'H12'] } }))
    );
    expect(m.message).toMatch(
      /Step 'Ck': bad materialization well_filter.*'H12' is not on the plate/
    );
  });

  it('missing functions: none given, a dict without a channel, a module without the export', async () => {
    expect((await compileError(pipe(step({ func: undefined as never })))).message).toMatch(
      /Step 'S': no function given/
    );
    const dict = await compileError(pipe(step({ groupBy: 'channel', func: { '1': identity } })));
    expect(dict.message).toMatch(/no function for channel 2 .*Fix: add keys '2'/);
    const noGroup = await compileError(pipe(step({ func: { '1': identity, '2': identity } })));
    expect(noGroup.message).toMatch(/groupBy is not set/);
    const exp = await compileError(
      pipe(step({ func: { module: fixtures, export: 'nothingHere' } }))
    );
    expect(exp.message).toMatch(/has no exported function 'nothingHere'.*maxProject/);
    const mod = await compileError(
      pipe(step({ func: { module: path.join(tmp, 'missing.js'), export: 'x' } }))
    );
    expect(mod.message).toMatch(/cannot import func.module/);
    const rel = await compileError(pipe(step({ func: { module: './fns.js' } })));
    expect(rel.message).toMatch(/not an absolute path or file: URL/);
    expect((await compileError(pipe(step({ func: [42 as never] })))).message).toMatch(
      /func is not a function \(got number 42\)/
    );
  });

  it('an inline function asked to run on workers', async () => {
    const e = await compileError(pipe(step({ name: 'Cell', runOn: 'workers' })));
    expect(e.message).toMatch(
      /Step 'Cell': func is an inline function.*cannot be moved to another thread.*Fix: move the function into a module file/
    );
  });

  it('duplicate names, bad config values, no steps', async () => {
    expect((await compileError(pipe(step({ name: 'X' }), step({ name: 'X' })))).message).toMatch(
      /two steps have this name/
    );
    const typo = await compileError(
      new Pipeline({ steps: [step()], config: { streaming: { colourmap: 'gray' } as never } })
    );
    expect(typo.message).toMatch(
      /unknown field\(s\) 'colourmap' in the pipeline streaming config. Fix: use only: enabled, port/
    );
    const bad = await compileError(
      pipe(step({ streaming: { port: 80, colormap: 'rainbow' as never } }))
    );
    expect(bad.message).toMatch(
      /port must be an integer.*got 80.*colormap 'rainbow' is not one of gray/
    );
    expect((await compileError(pipe())).message).toMatch(/Pipeline: pipeline 'p' has no steps/);
  });

  it('an output dir that cannot be written: below a file, on a read-only file system, or the plate itself', async () => {
    const file = path.join(tmp, 'a-file');
    await writeFile(file, 'x');
    expect(
      (await compileError(pipe(step()), { output_dir: path.join(file, 'out') })).message
    ).toMatch(/output dir '.*a-file\/out' is not writable \(ENOTDIR\).*Fix: set output_dir/);
    // sysfs is mounted read-only: unwritable even for root, for whom chmod 555 means nothing.
    expect(
      (await compileError(pipe(step()), { output_dir: '/sys/pipeline-viewer-out' })).message
    ).toMatch(/is not writable \((EROFS|EACCES|EPERM|ENOENT)\)/);
    expect((await compileError(pipe(step()), { output_dir: plate.root })).message).toMatch(
      /is the plate folder/
    );
  });
});
