/**
 * Paths of a backend that may be given a root folder (DiskBackend, ZarrBackend): relative
 * paths resolve against the root and no path may leave it, so no path coming from user input
 * can reach files elsewhere. Without a root, paths resolve against the working directory.
 */
import path from 'node:path';
import type { BackendName } from './backend.js';
import { StorageError } from './storage-error.js';

/** The absolute root folder of a backend, or null when it has none. */
export function rootFolder(root: string | undefined): string | null {
  return root ? path.resolve(root) : null;
}

/** `p` as an absolute path; with a root, one inside it, else a StorageError of `backend`. */
export function confinedPath(root: string | null, p: string, backend: BackendName): string {
  if (!root) return path.resolve(p);
  const full = path.resolve(root, p);
  const rel = path.relative(root, full);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new StorageError(backend, p, `path is outside the backend's root folder '${root}'`);
  }
  return full;
}
