/**
 * The one door step code uses to read and write images, as OpenHCS's FileManager: every call
 * names the backend (`memory`, `disk`, `zarr`) so the compiler, not the step, decides where
 * data lives. Errors name the path and the backend.
 */
import type { NdArray } from '../model/image-data.js';
import type { BackendName, StorageBackend } from './backend.js';
import { MemoryBackend } from './memory-backend.js';
import { StorageError } from './storage-error.js';

export class FileManager {
  private readonly backends = new Map<string, StorageBackend>();

  /** Without arguments the manager holds a memory backend only; register disk/zarr as needed. */
  // No default parameter value: Deno type-checks the emitted JS by inference, and a default of
  // `[new MemoryBackend()]` would narrow the parameter to MemoryBackend[] there.
  constructor(backends?: StorageBackend[]) {
    for (const backend of backends ?? [new MemoryBackend()]) this.register(backend);
  }

  /** Adds or replaces the backend of that name. */
  register(backend: StorageBackend): this {
    this.backends.set(backend.name, backend);
    return this;
  }

  /** The registered backend of that name, or a clear error listing the known ones. */
  backend(name: BackendName | string, path?: string): StorageBackend {
    const backend = this.backends.get(name);
    if (!backend) {
      const known = [...this.backends.keys()].join(', ') || 'none';
      throw new Error(
        `FileManager${path === undefined ? '' : ` (path ${path})`}: no storage backend named '${name}' (registered: ${known}). ` +
          `Use one of 'memory', 'disk', 'zarr' and register it, e.g. fileManager.register(new DiskBackend()).`
      );
    }
    return backend;
  }

  get backendNames(): string[] {
    return [...this.backends.keys()];
  }

  async save(array: NdArray, path: string, backend: BackendName | string): Promise<void> {
    const store = this.backend(backend, path);
    checkPath(path, store.name);
    await store.save(array, path);
  }

  async load(path: string, backend: BackendName | string): Promise<NdArray> {
    const store = this.backend(backend, path);
    checkPath(path, store.name);
    return store.load(path);
  }

  /** Saves arrays[i] at paths[i]; the lists must be equally long. */
  async saveBatch(
    arrays: readonly NdArray[],
    paths: readonly string[],
    backend: BackendName | string
  ): Promise<void> {
    const store = this.backend(backend, paths[0]);
    if (arrays.length !== paths.length) {
      throw new StorageError(
        store.name,
        paths[0] ?? '(no paths)',
        `saveBatch got ${arrays.length} arrays but ${paths.length} paths; pass one path per array`
      );
    }
    paths.forEach(p => checkPath(p, store.name));
    // In order, one at a time: the disk and zarr backends write files, and a batch of one
    // well is small; parallel writes would only contend for the same 2 cores.
    for (let i = 0; i < arrays.length; i++) await store.save(arrays[i], paths[i]);
  }

  async loadBatch(paths: readonly string[], backend: BackendName | string): Promise<NdArray[]> {
    const store = this.backend(backend, paths[0]);
    paths.forEach(p => checkPath(p, store.name));
    const out: NdArray[] = [];
    for (const p of paths) out.push(await store.load(p));
    return out;
  }

  async exists(path: string, backend: BackendName | string): Promise<boolean> {
    const store = this.backend(backend, path);
    checkPath(path, store.name);
    return store.exists(path);
  }

  async list(dir: string, backend: BackendName | string): Promise<string[]> {
    const store = this.backend(backend, dir);
    checkPath(dir, store.name);
    return store.list(dir);
  }
}

function checkPath(path: unknown, backend: string): asserts path is string {
  if (typeof path !== 'string' || path.trim() === '') {
    throw new StorageError(backend, String(path), 'path must be a non-empty string');
  }
}
