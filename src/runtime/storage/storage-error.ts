/** An error of a storage backend that always names the backend and the path involved. */
import type { BackendName } from './backend.js';

export class StorageError extends Error {
  constructor(
    readonly backend: BackendName | string,
    readonly path: string,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(`[${backend} backend] ${path}: ${message}`, options);
    this.name = 'StorageError';
  }
}
