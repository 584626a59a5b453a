/**
 * A compiled plan as a few lines of text, for a notebook cell or a log: per step where it
 * reads and writes, its checkpoint, what it streams and where its functions run, then the
 * viewers the run will need. The full plan object holds every detail; this is the overview.
 */
import type { CompiledPlan } from './compiled-plan.js';

export function summarizePlan(plan: CompiledPlan): string {
  const s = plan.settings.values;
  const lines = [
    `Pipeline '${plan.pipeline.name}' on plate '${plan.plate.name}': ${plan.wells.length} wells, ${plan.steps.length} steps`,
    `  output: ${s.output_dir} (${s.output_backend}); ${s.num_workers} worker threads, ${s.well_concurrency} wells at a time`
  ];
  for (const step of plan.steps) {
    const placements = [...new Set(Object.values(step.placement).flat())].join('+');
    const checkpoint = step.checkpoint
      ? `, checkpoint → ${step.checkpoint.dir} (${step.checkpoint.backend})`
      : '';
    const streamed = plan.selection.filter(x => x.stepIndex === step.index);
    const c = step.streaming.values;
    const stream = !c.enabled
      ? 'not streamed'
      : streamed.length === 0
        ? `streaming on (port ${c.port}) but nothing materialized to stream`
        : `streams ${streamed.length} well(s) to port ${c.port} (${streamed.map(x => x.well).join(', ')})`;
    lines.push(
      `  ${step.index + 1}. ${step.name} [${step.variableComponents.join(', ')}${step.groupBy ? `; by ${step.groupBy}` : ''}] ` +
        `${step.readBackend} → ${step.writeBackend}${checkpoint}; ${stream}; runs on ${placements}`
    );
  }
  lines.push(
    plan.requiredVisualizers.length === 0
      ? '  viewers: none'
      : `  viewers: ${plan.requiredVisualizers.map(v => `${v.kind} on ${v.host}:${v.port} (${v.steps.join(', ')})`).join('; ')}`
  );
  return lines.join('\n');
}
