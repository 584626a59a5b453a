/**
 * compile(pipeline, plate, globalConfig, { executor }) → CompiledPlan. Checks everything that can be
 * checked before pixels move, so a bad pipeline fails in seconds with an error naming the
 * step and the fix, not an hour into a run. The checks are in validate.ts and
 * validate-functions.ts, the plans in plan-steps.ts and plan-wells.ts.
 */
import path from 'node:path';
import type { CompiledPlan, StepPlan } from './compiled-plan.js';
import { planStep } from './plan-steps.js';
import { planWell, requiredVisualizers, streamSelection, wellsToProcess } from './plan-wells.js';
import { checkRemotable } from './validate-remote.js';
import type { Executor } from '../model/executor.js';
import { checkInputs, checkRunSettings, checkUniqueStep, checkWritable } from './validate.js';
import { defaultRunSettings, type GlobalConfig, type RunSettings } from '../model/global-config.js';
import type { Pipeline } from '../model/pipeline.js';
import { resolveConfig, type Resolved } from '../model/resolve-config.js';
import type { Plate } from '../plate/plate.js';

export async function compile(
  pipeline: Pipeline,
  wholePlate: Plate,
  globalConfig: GlobalConfig = {},
  options: { executor?: Pick<Executor, 'kind'> } = {}
): Promise<CompiledPlan> {
  checkInputs(pipeline, wholePlate);
  // Wells run elsewhere receive the plan as data: only module functions travel.
  if (options.executor?.kind === 'queue') checkRemotable(pipeline);
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
    checkUniqueStep(plan, names, dirNames);
    names.add(plan.name);
    dirNames.add(plan.dirName);
    steps.push(plan);
  }

  const wells = plate.wells.map(well => planWell(well, plate, steps));
  return {
    pipeline,
    plate: {
      root: plate.root,
      name: plate.name,
      channelNames: plate.channelNames,
      pixelSize: plate.pixelSize ?? null,
      pixels: plate.pixels ?? null
    },
    settings,
    steps,
    wells,
    requiredVisualizers: requiredVisualizers(steps),
    selection: streamSelection(steps, wells)
  };
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
  checkRunSettings(v);
  v.output_dir = path.resolve(v.output_dir);
  return resolved;
}
