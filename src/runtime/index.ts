/**
 * Public API of `jupyterlab-pipeline-viewer/runtime`, what a notebook imports:
 *
 *   const plate = await readPlate('/data/plate1');
 *   const pipeline = new Pipeline({ name: 'demo', steps: [new Step({ name: 'Max', func, variableComponents: ['z_index'] })] });
 *   const plan = await compile(pipeline, plate, { output_dir: '/data/plate1_outputs' });
 *   const result = await run(plan);
 *
 * This entry point also supplies `run`'s defaults (storage backends, viewer sink), so the
 * orchestrator (run/orchestrator.ts) knows storage and streaming through interfaces only.
 */
import type { CompiledPlan } from './compile/compiled-plan.js';
import { runPlan, type StreamSinkFor } from './run/orchestrator.js';
import type { RunEvent, RunResult } from './run/run-result.js';
import { DiskBackend } from './storage/disk-backend.js';
import { FileManager } from './storage/file-manager.js';
import { MemoryBackend } from './storage/memory-backend.js';
import { ZarrBackend } from './storage/zarr-backend.js';
import { viewerStreamSink } from './streaming/viewer-sink.js';
import { asRunOf } from './streaming/run-owner.js';
import type { Executor } from './model/executor.js';
import { runOnQueue } from './cluster/queue-run.js';

// Pipeline model
export {
  Step,
  PLANE_COMPONENTS,
  DEFAULT_VARIABLE_COMPONENTS,
  isModuleFunction
} from './model/step.js';
export type {
  StepOptions,
  StepFunction,
  StepContext,
  ModuleFunction,
  FunctionSpec,
  FunctionChain,
  FunctionPattern,
  PlaneComponent,
  RunOn
} from './model/step.js';
export { Pipeline } from './model/pipeline.js';
export type { PipelineOptions } from './model/pipeline.js';

// Configs
export { STREAMING_DEFAULTS, STREAMING_FIELDS } from './model/streaming-config.js';
export type { StreamingConfig, LazyStreamingConfig } from './model/streaming-config.js';
export {
  MATERIALIZATION_DEFAULTS,
  MATERIALIZATION_FIELDS
} from './model/materialization-config.js';
export type {
  MaterializationConfig,
  LazyMaterializationConfig,
  PersistentBackend
} from './model/materialization-config.js';
export { defaultRunSettings } from './model/global-config.js';
export type { GlobalConfig, PipelineConfig, RunSettings, ZarrNgff } from './model/global-config.js';
export { resolveConfig } from './model/resolve-config.js';
export type { ConfigSource, Resolved } from './model/resolve-config.js';
export { applyWellFilter, WellFilterError, WELL_FILTER_EXAMPLES } from './model/well-filter.js';
export type { WellFilter, WellFilterMode } from './model/well-filter.js';

// Compiling and running
export { compile } from './compile/compiler.js';
export { summarizePlan } from './compile/plan-summary.js';
export { CompileError } from './compile/compile-error.js';
export type {
  CompiledPlan,
  StepPlan,
  WellPlan,
  WellStepPlan,
  InputSource,
  RequiredVisualizer,
  FunctionPlacement
} from './compile/compiled-plan.js';
export { selectStreamedOutputs, visualizerKey } from './compile/selection.js';
export type { StreamSelection, OutputTarget, StorageBackendName } from './compile/selection.js';
// run(plan, options) and RunOptions are defined at the end of this file, with their defaults.
export type { RunResult, WellResult, StepTiming, RunEvent, WorkerTally } from './run/run-result.js';
export type { Executor, InProcessExecutor, QueueExecutor } from './model/executor.js';
export { groupPlanes, outputMetas, planeFileName } from './model/grouping.js';
export type { PlaneMeta, GroupedPlane, PlaneGroup } from './model/grouping.js';
export type { StreamSink, StreamBatch, StreamItem, StreamReport } from './model/stream-sink.js';
// Streaming producer: viewer server start/stop/show and the default stream sink (runtime/streaming)
export * from './streaming/index.js';

// Images, plates and storage
export {
  createNdArray,
  zerosNdArray,
  validateNdArray,
  toItkImage,
  fromItkImage
} from './model/image-data.js';
export type { NdArray } from './model/image-data.js';
export { readPlate } from './plate/read-plate.js';
export type { ReadPlateOptions } from './plate/read-plate.js';
export type { Plate, PlateImage, PlateFormat, PlatePixels, PixelSize } from './plate/plate.js';
export { PlateIncompleteError } from './plate/plate-images.js';
export {
  parseImageXpressName,
  formatImageXpressName,
  compareWells,
  splitWell
} from './model/image-xpress.js';
export { FileManager } from './storage/file-manager.js';
export { MemoryBackend } from './storage/memory-backend.js';
export { DiskBackend } from './storage/disk-backend.js';
export { ZarrBackend } from './storage/zarr-backend.js';
export { StorageError } from './storage/storage-error.js';
export type { StorageBackend, BackendName } from './storage/backend.js';
export { writeSyntheticPlate } from './plate/synthetic-plate.js';
export type {
  SyntheticPlate,
  SyntheticPlateOptions,
  SyntheticDtype
} from './plate/synthetic-plate.js';
export { IMAGE_XPRESS_PATTERN, parseImageXpressNameOrThrow } from './model/image-xpress.js';
export type { ImageXpressName } from './model/image-xpress.js';
export { parseHtdChannelNames, readHtdChannelNames, formatHtd } from './plate/htd.js';
export { TIFF_DTYPES } from './storage/disk-backend.js';
export type { DiskBackendOptions } from './storage/disk-backend.js';
export type { ZarrBackendOptions } from './storage/zarr-backend.js';

// ---- run(plan): the orchestrator with the default backends and viewer sink ----------------

export interface RunOptions {
  /** Defaults to memory + disk + zarr backends (zarr with the plate's channel names). */
  fileManager?: FileManager;
  /**
   * Opens the stream sink of one required visualizer. Unset: `viewerStreamSink` starts or
   * reuses its viewer server and removes this pipeline's earlier run there
   * (runtime/streaming). `null`: nothing is streamed and the stream report counts the
   * selected images as dropped.
   */
  streamSinkFor?: StreamSinkFor | null;
  onEvent?: (event: RunEvent) => void;
  /**
   * Where the wells run: in this process (default), or `{ kind: 'queue', redis }`: one BullMQ
   * job per well for `pipeline-viewer worker` processes (docs/cluster.md). A queued run
   * writes through the workers' own backends and streams from the workers (`viewer`), so
   * `fileManager` and `streamSinkFor` do not apply to it.
   */
  executor?: Executor;
}

/**
 * Runs a compiled plan (see run/orchestrator.ts); options left unset get the defaults above.
 * Viewer sinks opened during the run belong to this session + pipeline (streaming/run-owner.ts):
 * they replace this pipeline's earlier run from here, nothing of other notebooks.
 */
export async function run(plan: CompiledPlan, options: RunOptions = {}): Promise<RunResult> {
  const { fileManager, streamSinkFor, onEvent, executor } = options;
  if (executor?.kind === 'queue') return runOnQueue(plan, executor, onEvent);
  return asRunOf(plan.pipeline.name, () =>
    runPlan(plan, {
      fileManager:
        fileManager ??
        new FileManager([
          new MemoryBackend(),
          new DiskBackend({ pixelSize: plan.plate.pixelSize ?? undefined }),
          new ZarrBackend({
            channelNames: plan.plate.channelNames,
            ngff: plan.settings.values.zarr_ngff,
            pixelSize: plan.plate.pixelSize ?? undefined
          })
        ]),
      streamSinkFor:
        streamSinkFor === undefined
          ? v => viewerStreamSink({ port: v.port, host: v.host, persistent: v.persistent })
          : streamSinkFor,
      onEvent
    })
  );
}
