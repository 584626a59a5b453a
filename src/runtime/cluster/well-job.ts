/**
 * One well of a compiled plan as a queue job's data (plain JSON), and back. The plan's steps,
 * settings and the well's plan travel as compiled; step functions travel as module references
 * (compile/validate-remote.ts refused inline ones); the plate travels as its root, which every
 * worker must reach at the same path (shared storage, docs/cluster.md).
 */
import type {
  CompiledPlan,
  RequiredVisualizer,
  StepPlan,
  WellPlan
} from '../compile/compiled-plan.js';
import type { StreamSelection } from '../compile/selection.js';
import type { WellResult } from '../run/run-result.js';
import type { QueueExecutor } from '../model/executor.js';
import type { Resolved } from '../model/resolve-config.js';
import type { RunSettings } from '../model/global-config.js';
import { Pipeline } from '../model/pipeline.js';
import { Step, type FunctionPattern, type PlaneComponent, type RunOn } from '../model/step.js';
import type { PixelSize } from '../plate/plate.js';
import { readPlate } from '../plate/read-plate.js';

interface JobStep {
  name: string;
  func: FunctionPattern;
  variableComponents: readonly PlaneComponent[];
  groupBy: PlaneComponent | null;
  runOn: RunOn;
}

export interface WellJobData {
  runId: string;
  well: string;
  pipeline: { name: string; steps: JobStep[] };
  plate: {
    root: string;
    name: string;
    channelNames: Record<string, string>;
    pixelSize: PixelSize | null;
    /** The plate's planes are not whole files: the worker reads the plate to get its reader. */
    needsReader: boolean;
  };
  settings: Resolved<RunSettings>;
  steps: StepPlan[];
  wellPlan: WellPlan;
  requiredVisualizers: RequiredVisualizer[];
  selection: StreamSelection[];
  viewer: QueueExecutor['viewer'] | null;
}

/** What a worker hands back for a well (the job's return value). */
export interface WellJobResult {
  worker: string;
  host: string;
  result: WellResult;
  stream: { sent: number; dropped: number; errors: string[] };
}

export function wellJobs(
  plan: CompiledPlan,
  runId: string,
  viewer: QueueExecutor['viewer'] | null
): WellJobData[] {
  const pipeline = {
    name: plan.pipeline.name,
    steps: plan.pipeline.steps.map(s => ({
      name: s.name,
      func: s.func,
      variableComponents: s.variableComponents,
      groupBy: s.groupBy,
      runOn: s.runOn
    }))
  };
  return plan.wells.map(wellPlan => ({
    runId,
    well: wellPlan.well,
    pipeline,
    plate: {
      root: plan.plate.root,
      name: plan.plate.name,
      channelNames: plan.plate.channelNames,
      pixelSize: plan.plate.pixelSize ?? null,
      needsReader: Boolean(plan.plate.pixels)
    },
    settings: plan.settings,
    steps: plan.steps,
    wellPlan,
    requiredVisualizers: plan.requiredVisualizers,
    selection: plan.selection.filter(s => s.well === wellPlan.well),
    viewer
  }));
}

/** The one-well plan a worker runs. */
export async function planOfJob(job: WellJobData): Promise<CompiledPlan> {
  const pipeline = new Pipeline({
    name: job.pipeline.name,
    steps: job.pipeline.steps.map(s => new Step(s))
  });
  const pixels = job.plate.needsReader ? ((await readPlate(job.plate.root)).pixels ?? null) : null;
  return {
    pipeline,
    plate: { ...job.plate, pixels },
    // Measurement tables of one well go beside the well's outputs, not over other wells'.
    settings: {
      ...job.settings,
      values: { ...job.settings.values, output_dir: wellTablesDir(job) }
    },
    steps: job.steps,
    wells: [job.wellPlan],
    requiredVisualizers: job.requiredVisualizers,
    selection: job.selection
  };
}

export function wellTablesDir(job: Pick<WellJobData, 'settings' | 'well'>): string {
  return `${job.settings.values.output_dir}/wells/${job.well}`;
}
