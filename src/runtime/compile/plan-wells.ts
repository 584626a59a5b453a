/**
 * Plans across wells: the wells to process, each well's plan (inputs, and per step its
 * input, checkpoint and streamed outputs), the stream selection of the whole run and the
 * viewer servers it needs.
 */
import { CompileError } from './compile-error.js';
import type { RequiredVisualizer, StepPlan, WellPlan } from './compiled-plan.js';
import { selectStreamedOutputs, type StreamSelection } from './selection.js';
import type { RunSettings } from '../model/global-config.js';
import type { GroupedPlane } from '../model/grouping.js';
import { applyWellFilter, WellFilterError } from '../model/well-filter.js';
import type { Plate } from '../plate/plate.js';

/** The plate restricted to the wells to process (global/pipeline well_filter). */
export function wellsToProcess(plate: Plate, settings: RunSettings): Plate {
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

export function planWell(well: string, plate: Plate, steps: StepPlan[]): WellPlan {
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

/** Every streamed (step, well), step by step. */
export function streamSelection(steps: StepPlan[], wells: WellPlan[]): StreamSelection[] {
  const selection: StreamSelection[] = [];
  for (const stepPlan of steps) {
    for (const w of wells) {
      const s = w.steps[stepPlan.index].stream;
      if (s) selection.push(s);
    }
  }
  return selection;
}

export function requiredVisualizers(steps: StepPlan[]): RequiredVisualizer[] {
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
