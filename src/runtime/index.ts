/**
 * Public API of `jupyterlab-pipeline-viewer/runtime`, what a notebook imports:
 *
 *   const plate = await readPlate('/data/plate1');
 *   const pipeline = new Pipeline({ name: 'demo', steps: [new Step({ name: 'Max', func, variableComponents: ['z_index'] })] });
 *   const plan = await compile(pipeline, plate, { output_dir: '/data/plate1_outputs' });
 *   const result = await run(plan);
 */
// Pipeline model
export { Step, PLANE_COMPONENTS, DEFAULT_VARIABLE_COMPONENTS, isModuleFunction } from './step.js';
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
} from './step.js';
export { Pipeline } from './pipeline.js';
export type { PipelineOptions } from './pipeline.js';

// Configs
export { STREAMING_DEFAULTS, STREAMING_FIELDS } from './config/streaming-config.js';
export type { StreamingConfig, LazyStreamingConfig } from './config/streaming-config.js';
export {
  MATERIALIZATION_DEFAULTS,
  MATERIALIZATION_FIELDS
} from './config/materialization-config.js';
export type {
  MaterializationConfig,
  LazyMaterializationConfig,
  PersistentBackend
} from './config/materialization-config.js';
export { defaultRunSettings } from './config/global-config.js';
export type { GlobalConfig, PipelineConfig, RunSettings } from './config/global-config.js';
export { resolveConfig } from './config/resolve.js';
export type { ConfigSource, Resolved } from './config/resolve.js';
export { applyWellFilter, WellFilterError, WELL_FILTER_EXAMPLES } from './well-filter.js';
export type { WellFilter, WellFilterMode } from './well-filter.js';

// Compiling and running
export { compile } from './compiler.js';
export { summarizePlan } from './plan-summary.js';
export { CompileError } from './compile-error.js';
export type {
  CompiledPlan,
  StepPlan,
  WellPlan,
  WellStepPlan,
  InputSource,
  RequiredVisualizer,
  FunctionPlacement
} from './compiled-plan.js';
export { selectStreamedOutputs, visualizerKey } from './selection.js';
export type { StreamSelection, OutputTarget, StorageBackendName } from './selection.js';
export { run } from './orchestrator.js';
export type { RunOptions } from './orchestrator.js';
export type { RunResult, WellResult, StepTiming, RunEvent } from './run-result.js';
export { groupPlanes, outputMetas, planeFileName } from './grouping.js';
export type { PlaneMeta, GroupedPlane, PlaneGroup } from './grouping.js';
export type { StreamSink, StreamBatch, StreamItem, StreamReport } from './stream-sink.js';
// Streaming producer: viewer server start/stop/show and the default stream sink (runtime/streaming)
export * from './streaming/index.js';

// Images, plates and storage
export {
  createNdArray,
  zerosNdArray,
  validateNdArray,
  toItkImage,
  fromItkImage
} from './image-data.js';
export type { NdArray } from './image-data.js';
export { readPlate } from './plate/read-plate.js';
export type { Plate, PlateImage } from './plate/plate.js';
export {
  parseImageXpressName,
  formatImageXpressName,
  compareWells,
  splitWell
} from './plate/image-xpress.js';
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
export { IMAGE_XPRESS_PATTERN, parseImageXpressNameOrThrow } from './plate/image-xpress.js';
export type { ImageXpressName } from './plate/image-xpress.js';
export { parseHtdChannelNames, readHtdChannelNames, formatHtd } from './plate/htd.js';
export { TIFF_DTYPES } from './storage/disk-backend.js';
export type { DiskBackendOptions } from './storage/disk-backend.js';
export type { ZarrBackendOptions } from './storage/zarr-backend.js';
