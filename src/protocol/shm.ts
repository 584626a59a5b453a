/**
 * Naming rule for POSIX shared-memory segments (`/dev/shm/<name>` on Linux).
 * The server opens only names matching this pattern, so no header field can reach a file
 * outside the shared-memory directory. `napari_` is accepted for OpenHCS producers,
 * `plvr_` names the reusable slots of a producer's ring (docs/protocol.md, "Transports").
 */
export const SHM_NAME_PATTERN = /^(plv|plvr|napari)_[0-9a-f]{8,64}$/;

export const SHM_PREFIX = 'plv_';

/**
 * A ring slot: `plvr_` + the producer's pid as 8 hex digits + 24 random hex digits. The
 * producer rewrites it for image after image and unlinks it; the server only copies it,
 * and unlinks the slots of a producer whose pid is gone (killed before it could).
 */
export const RING_PREFIX = 'plvr_';

/** Arrays up to this many bytes travel inline in the header instead of shared memory. */
export const INLINE_MAX_BYTES = 1024;

export function isShmName(name: string): boolean {
  return SHM_NAME_PATTERN.test(name);
}

/** The producer pid a ring slot's name carries, or null for any other name. */
export function ringSlotPid(name: string): number | null {
  if (!name.startsWith(RING_PREFIX) || !isShmName(name) || name.length !== 37) return null;
  return parseInt(name.slice(5, 13), 16);
}
