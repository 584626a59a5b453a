/**
 * The compiler's checks of the pipeline, the plate, the run settings and each step's name,
 * components and configs: each fails with a CompileError that names the step and the fix.
 * The checks of step functions are in validate-functions.ts.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CompileError } from './compile-error.js';
import type { StepPlan } from './compiled-plan.js';
import type { GlobalConfig, RunSettings } from '../model/global-config.js';
import {
  MATERIALIZATION_FIELDS,
  materializationConfigProblems,
  type MaterializationConfig
} from '../model/materialization-config.js';
import type { Pipeline } from '../model/pipeline.js';
import { PLANE_COMPONENTS, type Step } from '../model/step.js';
import {
  STREAMING_FIELDS,
  streamingConfigProblems,
  type StreamingConfig
} from '../model/streaming-config.js';
import { applyWellFilter, WellFilterError } from '../model/well-filter.js';
import type { Plate } from '../plate/plate.js';

/** A pipeline needs steps and a plate wells. */
export function checkInputs(pipeline: Pipeline, wholePlate: Plate): void {
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
}

/** The resolved run settings (output_dir still as given; the compiler makes it absolute). */
export function checkRunSettings(v: RunSettings): void {
  if (v.output_backend !== 'disk' && v.output_backend !== 'zarr') {
    throw new CompileError(
      null,
      `output_backend '${String(v.output_backend)}' is not a persistent backend`,
      "use 'disk' (TIFF files) or 'zarr'"
    );
  }
  if (v.zarr_ngff !== '0.4' && v.zarr_ngff !== '0.5') {
    throw new CompileError(
      null,
      `zarr_ngff '${String(v.zarr_ngff)}' is not an NGFF version the zarr backend writes`,
      "use '0.4' (zarr v2) or '0.5' (zarr v3)"
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
}

/** Creates the output dir and writes a probe file: permission bits alone lie (e.g. for root). */
export async function checkWritable(dir: string, plateRoot: string): Promise<void> {
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

/** A step needs a name: it identifies outputs, checkpoints and viewer layers. */
export function checkStepName(step: Step, index: number): void {
  const label =
    typeof step?.name === 'string' && step.name.trim() !== '' ? step.name : `#${index + 1}`;
  if (label !== step?.name) {
    throw new CompileError(
      label,
      'the step has no name',
      "give it one: new Step({ name: 'Max projection', func })"
    );
  }
  const labels = (step as { labels?: unknown }).labels;
  if (labels !== undefined && typeof labels !== 'boolean') {
    throw new CompileError(
      step.name,
      `labels must be true or false, not ${JSON.stringify(labels)}`,
      'write labels: true for a step whose outputs are label images (object ids), else leave it out'
    );
  }
}

/** Step names, and the folder names made from them, must differ between steps. */
export function checkUniqueStep(
  plan: StepPlan,
  names: ReadonlySet<string>,
  dirNames: ReadonlySet<string>
): void {
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
}

export function checkComponents(step: Step): void {
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

/** Unknown fields in the streaming and materialization configs of every level. */
export function checkConfigFields(step: Step, pipeline: Pipeline, global: GlobalConfig): void {
  checkUnknownFields(step, [
    ['step', 'streaming', step.streaming, STREAMING_FIELDS],
    ['pipeline', 'streaming', pipeline.config.streaming, STREAMING_FIELDS],
    ['global', 'streaming', global.streaming, STREAMING_FIELDS],
    ['step', 'materialization', step.materialization, MATERIALIZATION_FIELDS],
    ['pipeline', 'materialization', pipeline.config.materialization, MATERIALIZATION_FIELDS],
    ['global', 'materialization', global.materialization, MATERIALIZATION_FIELDS]
  ]);
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

export function checkConfigs(
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
