/**
 * The plan of one step: its configs resolved step → pipeline → global → default, where each
 * function of its chain runs, the backends it reads and writes, its output and checkpoint
 * folders and the display config its streamed layers get.
 */
import path from 'node:path';
import type { DisplayConfig } from '../../protocol/index.js';
import type { FunctionPlacement, StepPlan } from './compiled-plan.js';
import type { GlobalConfig, RunSettings } from '../model/global-config.js';
import {
  MATERIALIZATION_DEFAULTS,
  type MaterializationConfig
} from '../model/materialization-config.js';
import type { Pipeline } from '../model/pipeline.js';
import { declaredOnStep, resolveConfig } from '../model/resolve-config.js';
import {
  isModuleFunction,
  type FunctionChain,
  type FunctionSpec,
  type Step
} from '../model/step.js';
import { STREAMING_DEFAULTS, type StreamingConfig } from '../model/streaming-config.js';
import type { Plate } from '../plate/plate.js';
import { checkComponents, checkConfigFields, checkConfigs, checkStepName } from './validate.js';
import { checkChain, checkFuncDict, checkFuncGiven } from './validate-functions.js';

export async function planStep(
  step: Step,
  index: number,
  pipeline: Pipeline,
  plate: Plate,
  global: GlobalConfig,
  settings: RunSettings
): Promise<StepPlan> {
  checkStepName(step, index);
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
  checkConfigFields(step, pipeline, global);
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
    display: displayOf(streaming.values),
    labels: step.labels === true
  };
}

/** Checks every function exists and decides where each runs. */
async function planFunctions(
  step: Step,
  plate: Plate
): Promise<Record<string, FunctionPlacement[]>> {
  checkFuncGiven(step);
  const func = step.func;
  const isDict = typeof func === 'object' && !Array.isArray(func) && !isModuleFunction(func);
  if (!isDict) return { '*': await planChain(step, func as FunctionChain, 'func') };
  const dict = func as Record<string, FunctionChain>;
  checkFuncDict(step, dict, plate);
  const placement: Record<string, FunctionPlacement[]> = {};
  for (const [key, chain] of Object.entries(dict))
    placement[key] = await planChain(step, chain, `func['${key}']`);
  return placement;
}

/** Inline functions run in this process; module functions on the workers unless runOn is 'main'. */
async function planChain(
  step: Step,
  chain: FunctionChain,
  where: string
): Promise<FunctionPlacement[]> {
  const list: FunctionSpec[] = Array.isArray(chain) ? chain : [chain];
  await checkChain(step, list, where);
  return list.map(spec =>
    typeof spec === 'function' || step.runOn === 'main' ? 'main' : 'workers'
  );
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
