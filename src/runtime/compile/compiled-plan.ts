/**
 * What `compile` produces: everything the orchestrator needs to run a pipeline on a plate,
 * with every lazy config resolved (and where each value came from). Plain data apart from the
 * `pipeline` reference, so a notebook can print it.
 */
import type { DisplayConfig } from '../../protocol/index.js';
import type { GroupedPlane } from '../model/grouping.js';
import type { MaterializationConfig, PersistentBackend } from '../model/materialization-config.js';
import type { Resolved } from '../model/resolve-config.js';
import type { RunSettings } from '../model/global-config.js';
import type { StreamingConfig } from '../model/streaming-config.js';
import type { Pipeline } from '../model/pipeline.js';
import type { Plate } from '../plate/plate.js';
import type { PlaneComponent } from '../model/step.js';
import type { StorageBackendName, StreamSelection } from './selection.js';

/** Where a function runs: the worker pool (module functions) or this process (inline ones). */
export type FunctionPlacement = 'workers' | 'main';

/** One step, the same for every well. */
export interface StepPlan {
  index: number;
  name: string;
  /** Folder name of the step inside output and checkpoint dirs. */
  dirName: string;
  variableComponents: readonly PlaneComponent[];
  groupBy: PlaneComponent | null;
  /** Placement of each function of each chain, keyed like the func dict ('*' when not a dict). */
  placement: Record<string, FunctionPlacement[]>;
  readBackend: StorageBackendName;
  writeBackend: StorageBackendName;
  /** Folder the step's outputs are written to on `writeBackend`. */
  outputDir: string;
  /** Checkpoint folder and backend when materialization is enabled (for the wells it selects). */
  checkpoint: { dir: string; backend: PersistentBackend } | null;
  streaming: Resolved<StreamingConfig>;
  materialization: Resolved<MaterializationConfig>;
  /** Display settings sent with every batch of this step (from its streaming config). */
  display: DisplayConfig;
  /** Its outputs are label images: streamed with data_type 'labels' (a labels layer). */
  labels: boolean;
}

/** Where a step of one well takes its input from. */
export type InputSource =
  | { kind: 'plate'; backend: 'disk'; root: string; images: number }
  | { kind: 'step'; step: string; backend: StorageBackendName; dir: string };

export interface WellStepPlan {
  step: string;
  stepIndex: number;
  input: InputSource;
  readBackend: StorageBackendName;
  writeBackend: StorageBackendName;
  outputDir: string;
  /** Checkpoint of this step in this well; null when off or the well is filtered out. */
  checkpoint: { dir: string; backend: PersistentBackend } | null;
  /** What this step streams in this well; null when nothing. */
  stream: StreamSelection | null;
}

export interface WellPlan {
  well: string;
  /** The plate's images of this well, in plate order. */
  inputs: GroupedPlane[];
  steps: WellStepPlan[];
}

/** One viewer server the run needs; one per (kind, port). */
export interface RequiredVisualizer {
  kind: 'pipeline-viewer';
  host: string;
  port: number;
  persistent: boolean;
  /** Steps streaming to it. */
  steps: string[];
  /** The first enabled streaming config naming this port (its colormap etc. are per step). */
  config: StreamingConfig;
}

export interface CompiledPlan {
  pipeline: Pipeline;
  plate: Pick<Plate, 'root' | 'name' | 'channelNames' | 'pixelSize' | 'pixels'>;
  settings: Resolved<RunSettings>;
  steps: StepPlan[];
  wells: WellPlan[];
  requiredVisualizers: RequiredVisualizer[];
  /** Every (step, well) that streams something, in run order. */
  selection: StreamSelection[];
}
