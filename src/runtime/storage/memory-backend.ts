/**
 * Keeps step outputs in process memory, keyed by path. Intermediate steps of a pipeline use it,
 * so a plane passes from step to step without touching the disk. Arrays are stored by reference
 * (no copy): a step must not mutate an array after saving it.
 */
import path from 'node:path';
import type { NdArray } from '../model/image-data.js';
import type { StorageBackend } from './backend.js';
import { StorageError } from './storage-error.js';

export class MemoryBackend implements StorageBackend {
  readonly name = 'memory' as const;
  private readonly arrays = new Map<string, NdArray>();

  async save(array: NdArray, filePath: string): Promise<void> {
    this.arrays.set(normalize(filePath), array);
  }

  async load(filePath: string): Promise<NdArray> {
    const array = this.arrays.get(normalize(filePath));
    if (!array) {
      throw new StorageError(
        this.name,
        filePath,
        `nothing saved at this path (${this.arrays.size} paths held); save it first or check the step that should produce it`
      );
    }
    return array;
  }

  async exists(filePath: string): Promise<boolean> {
    return this.arrays.has(normalize(filePath));
  }

  async list(dir: string): Promise<string[]> {
    const prefix = normalize(dir);
    const found: string[] = [];
    for (const key of this.arrays.keys()) {
      if (path.posix.dirname(key) === prefix) found.push(key);
    }
    return found.sort();
  }

  /** Frees one path (the orchestrator drops a well's intermediates once the well is done). */
  delete(filePath: string): boolean {
    return this.arrays.delete(normalize(filePath));
  }

  /** Frees every path under `dir` (at any depth); returns how many were removed. */
  clear(dir?: string): number {
    if (dir === undefined) {
      const n = this.arrays.size;
      this.arrays.clear();
      return n;
    }
    const prefix = normalize(dir) + '/';
    let n = 0;
    for (const key of [...this.arrays.keys()]) {
      if (key.startsWith(prefix)) n += Number(this.arrays.delete(key));
    }
    return n;
  }
}

/** One spelling per path: forward slashes, no `.`/`..`, no trailing slash. */
function normalize(p: string): string {
  const posix = path.posix.normalize(p.replace(/\\/g, '/'));
  return posix.length > 1 && posix.endsWith('/') ? posix.slice(0, -1) : posix;
}
