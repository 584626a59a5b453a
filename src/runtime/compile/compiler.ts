/**
 * compile(pipeline, plate, globalConfig) → CompiledPlan. Checks everything that can be
 * checked before pixels move, so a bad pipeline fails in seconds with an error naming the
 * step and the fix, not an hour into a run.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DisplayConfig } from '../../protocol/index.js';
import { CompileError } from './compile-error.js';
import type {
  CompiledPlan,
  FunctionPlacement,
  RequiredVisualizer,
  StepPlan,
  WellPlan
} from './compiled-plan.js';
import { defaultRunSettings, type GlobalConfig, type RunSettings } from '../model/global-config.js';
import {
  MATERIALIZATION_DEFAULTS,
  MATERIALIZATION_FIELDS,
  materializationConfigProblems,
  type MaterializationConfig
} from '../model/materialization-config.js';
import { declaredOnStep, resolveConfig, type Resolved } from '../model/resolve-config.js';
import {
  STREAMING_DEFAULTS,
  STREAMING_FIELDS,
  streamingConfigProblems,
  type StreamingConfig
} from '../model/streaming-config.js';
import type { GroupedPlane } from '../model/grouping.js';
import type { Pipeline } from '../model/pipeline.js';
import type { Plate } from '../plate/plate.js';
import { selectStreamedOutputs, type StreamSelection } from './selection.js';
import {
  isModuleFunction,
  PLANE_COMPONENTS,
  type FunctionChain,
  type FunctionSpec,
  type Step
} from '../model/step.js';
import { applyWellFilter, WellFilterError } from '../model/well-filter.js';

export async function compile(
  pipeline: Pipeline,
  wholePlate: Plate,
  globalConfig: GlobalConfig = {}
): Promise<CompiledPlan> {
  if (pipeline.steps.length === 0) {
    throw new CompileError(
      null,
      `pipeline '${pipeline.name}' has no steps`,
      'add at least one Step'
    );
  }
  if (wholePlate.wells.length === 0) {
    throw new CompileError(
      null,
      `plate '${wholePlate.root}' has no wells`,
      'point readPlate at a folder of ImageXpress TIFFs'
    );
  }
  const settings = resolveSettings(pipeline, wholePlate, globalConfig);
  // From here on the plate is the wells to process; step well filters count within them.
  const plate = wellsToProcess(wholePlate, settings.values);
  const outputDir = settings.values.output_dir;
  await checkWritable(outputDir, plate.root);

  const names = new Set<string>();
  const dirNames = new Set<string>();
  const steps: StepPlan[] = [];
  for (const [index, step] of pipeline.steps.entries()) {
    const plan = await planStep(step, index, pipeline, plate, globalConfig, settings.values);
    if (names.has(plan.name)) {
      throw new CompileError(
        plan.name,
        'two steps have this name; names identify outputs, checkpoints and viewer layers',
        'give each step a unique name'
      );
    }
    if (dirNames.has(plan.dirName)) {
      throw new CompileError(
        plan.name,
        `its folder name '${plan.dirName}' clashes with another step's`,
        'rename one of the steps'
      );
    }
    names.add(plan.name);
    dirNames.add(plan.dirName);
    steps.push(plan);
  }

  const wells = plate.wells.map(well => planWell(well, plate, steps));
  const selection: StreamSelection[] = [];
  for (const stepPlan of steps) {
    for (const w of wells) {
      const s = w.steps[stepPlan.index].stream;
      if (s) selection.push(s);
    }
  }
  return {
    pipeline,
    plate: { root: plate.root, name: plate.name, channelNames: plate.channelNames },
    settings,
    steps,
    wells,
    requiredVisualizers: requiredVisualizers(steps),
    selection
  };
}

function wellsToProcess(plate: Plate, settings: RunSettings): Plate {
  let wells: string[];
  try {
    wells = applyWellFilter(plate.wells, settings.well_filter, settings.well_filter_mode);
  } catch (error) {
    if (!(error instanceof WellFilterError)) throw error;
    throw new CompileError(
      null,
      `bad well_filter ${JSON.stringify(settings.well_filter)} (wells to process): ${error.message}`,
      'set well_filter in the global or pipeline config to a valid filter, or leave it unset for all wells'
    );
  }
  if (wells.length === 0) {
    throw new CompileError(
      null,
      `well_filter ${JSON.stringify(settings.well_filter)} (${settings.well_filter_mode}) leaves no wells to process`,
      'loosen the filter or switch well_filter_mode'
    );
  }
  if (wells.length === plate.wells.length) return plate;
  const keep = new Set(wells);
  return { ...plate, wells, images: plate.images.filter(i => keep.has(i.well)) };
}

function resolveSettings(
  pipeline: Pipeline,
  plate: Plate,
  global: GlobalConfig
): Resolved<RunSettings> {
  const resolved = resolveConfig<RunSettings>(defaultRunSettings(plate.root), [
    ['pipeline', pipeline.config as Partial<RunSettings>],
    ['global', global as Partial<RunSettings>]
  ]);
  const v = resolved.values;
  if (v.output_backend !== 'disk' && v.output_backend !== 'zarr') {
    throw new CompileError(
      null,
      `output_backend '${String(v.output_backend)}' is not a persistent backend`,
      "use 'disk' (TIFF files) or 'zarr'"
    );
  }
  for (const key of [
    'num_workers',
    'well_concurrency',
    'stream_flush_timeout_ms',
    'step_timeout_ms'
  ] as const) {
    if (!Number.isInteger(v[key]) || v[key] < 1) {
      throw new CompileError(
        null,
        `${key} must be a whole number ≥ 1, got ${String(v[key])}`,
        `set ${key} to a whole number ≥ 1, or leave it unset for the default`
      );
    }
  }
  if (typeof v.output_dir !== 'string' || v.output_dir.trim() === '') {
    throw new CompileError(
      null,
      'output_dir is empty',
      "set output_dir to a folder, e.g. '/data/plate1_outputs'"
    );
  }
  v.output_dir = path.resolve(v.output_dir);
  return resolved;
}

/** Creates the output dir and writes a probe file: permission bits alone lie (e.g. for root). */
async function checkWritable(dir: string, plateRoot: string): Promise<void> {
  if (path.resolve(dir) === path.resolve(plateRoot)) {
    throw new CompileError(
      null,
      `output_dir '${dir}' is the plate folder; outputs would overwrite the input images`,
      'choose another output_dir'
    );
  }
  const probe = path.join(dir, `.write-probe-${process.pid}-${Date.now()}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    throw new CompileError(
      null,
      `output dir '${dir}' is not writable (${code})`,
      'set output_dir (global or pipeline config) to a folder you can write to'
    );
  }
}

async function planStep(
  step: Step,
  index: number,
  pipeline: Pipeline,
  plate: Plate,
  global: GlobalConfig,
  settings: RunSettings
): Promise<StepPlan> {
  const label =
    typeof step?.name === 'string' && step.name.trim() !== '' ? step.name : `#${index + 1}`;
  if (label !== step?.name) {
    throw new CompileError(
      label,
      'the step has no name',
      "give it one: new Step({ name: 'Max projection', func })"
    );
  }
  checkComponents(step);
  const streaming = resolveConfig<StreamingConfig>(STREAMING_DEFAULTS, [
    ['step', declaredOnStep(step.streaming)],
    ['pipeline', pipeline.config.streaming],
    ['global', global.streaming]
  ]);
  const materialization = resolveConfig<MaterializationConfig>(MATERIALIZATION_DEFAULTS, [
    ['step', declaredOnStep(step.materialization)],
    ['pipeline', pipeline.config.materialization],
    ['global', global.materialization]
  ]);
  checkUnknownFields(step, [
    ['step', 'streaming', step.streaming, STREAMING_FIELDS],
    ['pipeline', 'streaming', pipeline.config.streaming, STREAMING_FIELDS],
    ['global', 'streaming', global.streaming, STREAMING_FIELDS],
    ['step', 'materialization', step.materialization, MATERIALIZATION_FIELDS],
    ['pipeline', 'materialization', pipeline.config.materialization, MATERIALIZATION_FIELDS],
    ['global', 'materialization', global.materialization, MATERIALIZATION_FIELDS]
  ]);
  checkConfigs(step, streaming.values, materialization.values, plate);
  const placement = await planFunctions(step, plate);

  const last = index === pipeline.steps.length - 1;
  const dirName = step.name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
  const m = materialization.values;
  return {
    index,
    name: step.name,
    dirName,
    variableComponents: [...step.variableComponents],
    groupBy: step.groupBy,
    placement,
    readBackend: index === 0 ? 'disk' : 'memory',
    writeBackend: last ? settings.output_backend : 'memory',
    // Main outputs go straight into output_dir (as OpenHCS's `<plate>_outputs`); intermediate
    // ones live in memory under the step's name. A zarr dir is one OME-Zarr plate store.
    outputDir: !last
      ? path.join(settings.output_dir, dirName)
      : settings.output_backend === 'zarr'
        ? path.join(settings.output_dir, 'images.zarr')
        : settings.output_dir,
    checkpoint: m.enabled
      ? {
          dir: path.join(
            settings.output_dir,
            m.sub_dir,
            m.backend === 'zarr' ? `${dirName}.zarr` : dirName
          ),
          backend: m.backend
        }
      : null,
    streaming,
    materialization,
    display: displayOf(streaming.values)
  };
}

function checkComponents(step: Step): void {
  const valid = PLANE_COMPONENTS.join(', ');
  if (!Array.isArray(step.variableComponents) || step.variableComponents.length === 0) {
    throw new CompileError(
      step.name,
      'variableComponents is empty',
      `list at least one of ${valid}, e.g. ['site']`
    );
  }
  for (const c of step.variableComponents) {
    if (!(PLANE_COMPONENTS as readonly string[]).includes(c)) {
      throw new CompileError(
        step.name,
        `unknown component '${String(c)}' in variableComponents`,
        `use ${valid}${hint(c)}`
      );
    }
  }
  if (step.groupBy !== null) {
    if (!(PLANE_COMPONENTS as readonly string[]).includes(step.groupBy)) {
      throw new CompileError(
        step.name,
        `unknown component '${String(step.groupBy)}' in groupBy`,
        `use ${valid}${hint(step.groupBy)}`
      );
    }
    if (step.variableComponents.includes(step.groupBy)) {
      throw new CompileError(
        step.name,
        `groupBy '${step.groupBy}' is also a variable component, so one stack would mix its values`,
        `remove '${step.groupBy}' from variableComponents or group by another component`
      );
    }
  }
}

function hint(name: unknown): string {
  const aliases: Record<string, string> = {
    z: 'z_index',
    zindex: 'z_index',
    t: 'timepoint',
    time: 'timepoint',
    field: 'site',
    wavelength: 'channel'
  };
  const known = aliases[String(name).toLowerCase()];
  return known ? ` (did you mean '${known}'?)` : '';
}

/** Resolution only copies known fields, so a typo (`colourmap`) would vanish silently. */
function checkUnknownFields(
  step: Step,
  layers: [string, string, object | undefined, readonly string[]][]
): void {
  for (const [level, what, config, fields] of layers) {
    if (config === undefined || config === null) continue;
    if (typeof config !== 'object') {
      throw new CompileError(
        step.name,
        `the ${level} ${what} config is ${typeof config}, not an object`,
        `pass an object like { enabled: true }`
      );
    }
    const unknown = Object.keys(config).filter(k => !fields.includes(k));
    if (unknown.length > 0) {
      throw new CompileError(
        step.name,
        `unknown field(s) ${unknown.map(k => `'${k}'`).join(', ')} in the ${level} ${what} config`,
        `use only: ${fields.join(', ')}`
      );
    }
  }
}

function checkConfigs(
  step: Step,
  streaming: StreamingConfig,
  materialization: MaterializationConfig,
  plate: Plate
): void {
  const problems = [
    ...streamingConfigProblems(streaming).map(p => `streaming config: ${p}`),
    ...materializationConfigProblems(materialization).map(p => `materialization config: ${p}`)
  ];
  if (problems.length > 0) {
    throw new CompileError(
      step.name,
      problems.join('; '),
      'correct the field(s) named above on the step, pipeline or global config'
    );
  }
  for (const [what, filter, mode] of [
    ['streaming', streaming.well_filter, streaming.well_filter_mode],
    ['materialization', materialization.well_filter, materialization.well_filter_mode]
  ] as const) {
    try {
      applyWellFilter(plate.wells, filter, mode);
    } catch (error) {
      if (!(error instanceof WellFilterError)) throw error;
      throw new CompileError(
        step.name,
        `bad ${what} well_filter ${JSON.stringify(filter)}: ${error.message}`,
        `set ${what}.well_filter to a valid filter`
      );
    }
  }
}

/** Checks every function exists and decides where each runs. */
async function planFunctions(
  step: Step,
  plate: Plate
): Promise<Record<string, FunctionPlacement[]>> {
  const func = step.func;
  if (func === undefined || func === null) {
    throw new CompileError(
      step.name,
      'no function given',
      'pass func: an inline function or { module, export } of a module function'
    );
  }
  const isDict = typeof func === 'object' && !Array.isArray(func) && !isModuleFunction(func);
  if (!isDict) return { '*': await planChain(step, func as FunctionChain, 'func') };
  if (step.groupBy === null) {
    throw new CompileError(
      step.name,
      'func is a dict of functions but groupBy is not set',
      "set groupBy: 'channel' (keys are channel numbers as strings: '1', '2')"
    );
  }
  const dict = func as Record<string, FunctionChain>;
  const groupBy = step.groupBy;
  const values = [...new Set(plate.images.map(img => img[groupBy]))].sort(
    (a, b) => (a ?? 0) - (b ?? 0)
  );
  const missing = values.filter(v => !(String(v) in dict));
  if (missing.length > 0) {
    throw new CompileError(
      step.name,
      `func dict has no function for ${groupBy} ${missing.map(String).join(', ')} (the plate has ${groupBy} ${values.map(String).join(', ')})`,
      `add keys ${missing.map(v => `'${String(v)}'`).join(', ')} to the func dict`
    );
  }
  const placement: Record<string, FunctionPlacement[]> = {};
  for (const [key, chain] of Object.entries(dict))
    placement[key] = await planChain(step, chain, `func['${key}']`);
  return placement;
}

async function planChain(
  step: Step,
  chain: FunctionChain,
  where: string
): Promise<FunctionPlacement[]> {
  const list: FunctionSpec[] = Array.isArray(chain) ? chain : [chain];
  if (list.length === 0)
    throw new CompileError(
      step.name,
      `${where} is an empty list of functions`,
      'put at least one function in it'
    );
  const out: FunctionPlacement[] = [];
  for (const [i, spec] of list.entries()) {
    const at = list.length > 1 ? `${where}[${i}]` : where;
    if (typeof spec === 'function') {
      if (step.runOn === 'workers') {
        throw new CompileError(
          step.name,
          `${at} is an inline function (defined in this process, e.g. in a notebook cell) and runOn is 'workers'; ` +
            'a closure cannot be moved to another thread: it may capture variables of this process',
          "move the function into a module file and pass { module: '/abs/path/fns.js', export: 'name' }, or use runOn: 'main'"
        );
      }
      out.push('main');
    } else if (isModuleFunction(spec)) {
      await checkModuleFunction(step, spec.module, spec.export ?? 'default', at);
      out.push(step.runOn === 'main' ? 'main' : 'workers');
    } else {
      throw new CompileError(
        step.name,
        `${at} is not a function (got ${describe(spec)})`,
        "pass a function or { module: '/abs/path/fns.js', export: 'name' }"
      );
    }
  }
  return out;
}

async function checkModuleFunction(
  step: Step,
  module: string,
  exportName: string,
  where: string
): Promise<void> {
  let url: string;
  if (module.startsWith('file:')) url = module;
  else if (path.isAbsolute(module)) url = pathToFileURL(module).href;
  else {
    throw new CompileError(
      step.name,
      `${where}.module '${module}' is not an absolute path or file: URL, so worker threads could not find it`,
      "use an absolute path or new URL('./fns.js', import.meta.url).href"
    );
  }
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(url)) as Record<string, unknown>;
  } catch (cause) {
    throw new CompileError(
      step.name,
      `cannot import ${where}.module '${fileURLToPath(url)}': ${(cause as Error).message}`,
      'check the path and that the file is JavaScript (build TypeScript first)'
    );
  }
  if (typeof loaded[exportName] !== 'function') {
    const functions = Object.keys(loaded).filter(k => typeof loaded[k] === 'function');
    throw new CompileError(
      step.name,
      `module '${fileURLToPath(url)}' has no exported function '${exportName}'`,
      `export it, or use one of: ${functions.join(', ') || '(no functions exported)'}`
    );
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object')
    return `an object with keys ${Object.keys(value as object).join(', ') || '(none)'}`;
  return `${typeof value} ${String(value)}`;
}

function displayOf(s: StreamingConfig): DisplayConfig {
  return {
    component_modes: {
      source: s.source_mode,
      well: s.well_mode,
      site: s.site_mode,
      channel: s.channel_mode,
      z_index: s.z_index_mode,
      timepoint: s.timepoint_mode
    },
    colormap: s.colormap,
    variable_size_handling: s.variable_size_handling
  };
}

function planWell(well: string, plate: Plate, steps: StepPlan[]): WellPlan {
  const inputs: GroupedPlane[] = plate.images
    .filter(img => img.well === well)
    .map(img => ({
      path: img.path,
      meta: {
        well,
        site: img.site,
        channel: img.channel,
        z_index: img.z_index,
        timepoint: img.timepoint
      }
    }));
  return {
    well,
    inputs,
    steps: steps.map((s, i) => {
      const m = s.materialization.values;
      const checkpoint =
        s.checkpoint &&
        applyWellFilter(plate.wells, m.well_filter, m.well_filter_mode).includes(well)
          ? s.checkpoint
          : null;
      const previous = steps[i - 1];
      return {
        step: s.name,
        stepIndex: i,
        input:
          i === 0
            ? {
                kind: 'plate' as const,
                backend: 'disk' as const,
                root: plate.root,
                images: inputs.length
              }
            : {
                kind: 'step' as const,
                step: previous.name,
                backend: previous.writeBackend,
                dir: previous.outputDir
              },
        readBackend: s.readBackend,
        writeBackend: s.writeBackend,
        outputDir: s.outputDir,
        checkpoint,
        stream: selectStreamedOutputs({
          step: s.name,
          stepIndex: i,
          well,
          plateWells: plate.wells,
          streaming: s.streaming.values,
          writeBackend: s.writeBackend,
          outputDir: s.outputDir,
          checkpoint
        })
      };
    })
  };
}

function requiredVisualizers(steps: StepPlan[]): RequiredVisualizer[] {
  const byPort = new Map<number, RequiredVisualizer>();
  for (const s of steps) {
    const c = s.streaming.values;
    if (!c.enabled) continue;
    const seen = byPort.get(c.port);
    if (!seen) {
      byPort.set(c.port, {
        kind: 'pipeline-viewer',
        host: c.host,
        port: c.port,
        persistent: c.persistent,
        steps: [s.name],
        config: c
      });
      continue;
    }
    if (seen.host !== c.host) {
      throw new CompileError(
        s.name,
        `streams to port ${c.port} on host '${c.host}' but step '${seen.steps[0]}' uses that port on '${seen.host}'`,
        'use one host per port, or another port for this step'
      );
    }
    seen.steps.push(s.name);
    // One server serves both; keep it alive if any step asks for persistence.
    seen.persistent ||= c.persistent;
  }
  return [...byPort.values()];
}
