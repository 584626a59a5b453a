/** A place step outputs can be written to and read from. */
import type { NdArray } from '../model/image-data.js';

export type BackendName = 'memory' | 'disk' | 'zarr';

export interface StorageBackend {
  readonly name: BackendName;
  save(array: NdArray, path: string): Promise<void>;
  load(path: string): Promise<NdArray>;
  exists(path: string): Promise<boolean>;
  /** Paths stored directly under `dir`, sorted. */
  list(dir: string): Promise<string[]>;
  /**
   * Frees one path, where a backend holds data that must be let go (memory): the orchestrator
   * calls it on the `memory` backend for a well's intermediate planes once the well is done.
   */
  delete?(path: string): boolean;
}
