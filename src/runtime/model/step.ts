/**
 * A Step of a pipeline (OpenHCS's `FunctionStep`): a function applied to the image stack of
 * each group of a well.
 *
 * Grouping, as in OpenHCS: the images of one well are split into groups that agree on every
 * component except the `variableComponents`; each group's planes, sorted by those components,
 * form one stack [n, y, x] handed to the function. The default ['site'] gives a stack of all
 * sites of one (channel, z, timepoint); a z-projection uses ['z_index'] to get all z-planes.
 *
 * `groupBy` (e.g. 'channel') selects a function per value of that component when `func` is a
 * dict: `{ '1': denoise, '2': [denoise, sharpen] }`. An array of functions runs as a chain.
 */
import type { ComponentValue, ImageMetadata } from '../../protocol/index.js';
import type { NdArray } from './image-data.js';
import type { LazyMaterializationConfig } from './materialization-config.js';
import type { LazyStreamingConfig } from './streaming-config.js';

/** Components that vary inside a well (well and source name the image, not a plane). */
export const PLANE_COMPONENTS = ['site', 'channel', 'z_index', 'timepoint'] as const;
export type PlaneComponent = (typeof PLANE_COMPONENTS)[number];

export const DEFAULT_VARIABLE_COMPONENTS: readonly PlaneComponent[] = ['site'];

/** What a step function learns about the stack it got; plain data, so it crosses to workers. */
export interface StepContext {
  step: string;
  well: string;
  /** Values of the components shared by the whole group, e.g. { channel: 2, z_index: 1, … }. */
  group: Partial<Record<PlaneComponent, ComponentValue>>;
  /** Metadata of each input plane, in stack order. */
  planes: ImageMetadata[];
  /** The `args` of a module function reference (OpenHCS's `(func, kwargs)`). */
  args: Record<string, unknown>;
}

/**
 * A function defined inline (e.g. in a notebook cell). It returns the processed stack; the
 * number of planes may change (a max projection returns 1 plane). It must not mutate its input.
 */
export type StepFunction = (stack: NdArray, context: StepContext) => NdArray | Promise<NdArray>;

/**
 * A function that lives in a module file, importable by any thread: these run on the worker
 * pool. `module` is an absolute path or a file: URL (`new URL('./fns.js', import.meta.url).href`).
 */
export interface ModuleFunction {
  module: string;
  /** Exported name; 'default' when unset. */
  export?: string;
  args?: Record<string, unknown>;
}

export type FunctionSpec = StepFunction | ModuleFunction;
/** One function, or a chain applied in order. */
export type FunctionChain = FunctionSpec | FunctionSpec[];
/** A chain, or one chain per value of `groupBy` (keys are the values as strings: '1', '2'). */
export type FunctionPattern = FunctionChain | Record<string, FunctionChain>;

/**
 * Where a step runs: 'auto' puts module functions on the worker pool and inline functions in
 * this process; 'workers' demands the pool (inline functions then fail to compile, since a
 * closure cannot be moved to another thread); 'main' keeps everything in this process.
 */
export type RunOn = 'auto' | 'workers' | 'main';

export interface StepOptions {
  name: string;
  func: FunctionPattern;
  variableComponents?: readonly PlaneComponent[];
  groupBy?: PlaneComponent | null;
  /** Checkpoint this step's outputs; `{}` turns it on with inherited settings. */
  materialization?: LazyMaterializationConfig;
  /** Stream this step's materialized outputs; `{}` turns it on with inherited settings. */
  streaming?: LazyStreamingConfig;
  runOn?: RunOn;
  /**
   * The step's outputs are label images (integer ids of objects, 0 = background, e.g. a
   * segmentation): the viewer shows them as a labels layer, one color per id, never averaged.
   */
  labels?: boolean;
}

export class Step {
  readonly name: string;
  readonly func: FunctionPattern;
  readonly variableComponents: readonly PlaneComponent[];
  readonly groupBy: PlaneComponent | null;
  readonly materialization?: LazyMaterializationConfig;
  readonly streaming?: LazyStreamingConfig;
  readonly runOn: RunOn;
  readonly labels: boolean;

  /** Checks happen in `compile`, which names the step and says how to fix each problem. */
  constructor(options: StepOptions) {
    this.name = options.name;
    this.func = options.func;
    this.variableComponents = options.variableComponents ?? DEFAULT_VARIABLE_COMPONENTS;
    this.groupBy = options.groupBy ?? null;
    this.materialization = options.materialization;
    this.streaming = options.streaming;
    this.runOn = options.runOn ?? 'auto';
    this.labels = options.labels ?? false;
  }
}

export function isModuleFunction(spec: unknown): spec is ModuleFunction {
  return (
    typeof spec === 'object' && spec !== null && typeof (spec as ModuleFunction).module === 'string'
  );
}
