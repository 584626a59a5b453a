/**
 * Naming rule for POSIX shared-memory segments (`/dev/shm/<name>` on Linux).
 * The server opens only names matching this pattern, so no header field can reach a file
 * outside the shared-memory directory. `napari_` is accepted for OpenHCS producers.
 */
export const SHM_NAME_PATTERN = /^(plv|napari)_[0-9a-f]{8,64}$/;

export const SHM_PREFIX = 'plv_';

/** Arrays up to this many bytes travel inline in the header instead of shared memory. */
export const INLINE_MAX_BYTES = 1024;

export function isShmName(name: string): boolean {
  return SHM_NAME_PATTERN.test(name);
}
