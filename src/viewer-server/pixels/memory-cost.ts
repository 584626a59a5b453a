/**
 * What holding a plane really costs, for the memory budget: its pixel buffer as malloc
 * allocates it, and the bookkeeping every plane keeps whether its pixels are in memory or
 * spilled (its layer entry, store entry, identity and value strings, map slots).
 */

/**
 * Per-plane bookkeeping, measured: 100,000 planes of 1×1 pixel grew the server's RSS by
 * 1.6 KB per plane (planes of stacked images, which share path and id) to 2.4 KB (single
 * images with their own 40-character path and id), its V8 heap by 0.6 to 0.9 KB.
 */
export const PLANE_BOOKKEEPING_BYTES = 2560;

const PAGE = 4096;
/** glibc serves requests from this size on with their own mmap (its default threshold). */
const MMAP_FROM = 128 * 1024;

/** Bytes an ArrayBuffer of `byteLength` takes: whole pages when mmapped, else 16-byte chunks. */
export function allocatedBytes(byteLength: number): number {
  if (byteLength >= MMAP_FROM) return Math.ceil((byteLength + 16) / PAGE) * PAGE;
  return Math.max(32, Math.ceil((byteLength + 8) / 16) * 16);
}
