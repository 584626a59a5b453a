/** An ordered list of steps plus the pipeline-level (lazy) config. */
import type { PipelineConfig } from './global-config.js';
import type { Step } from './step.js';

export interface PipelineOptions {
  name?: string;
  steps: Step[];
  config?: PipelineConfig;
}

export class Pipeline {
  readonly name: string;
  readonly steps: readonly Step[];
  readonly config: PipelineConfig;

  constructor(options: PipelineOptions) {
    this.name = options.name ?? 'pipeline';
    this.steps = [...options.steps];
    this.config = options.config ?? {};
  }
}
