/**
 * The signs by which read-plate.ts tells a plate folder's format, apart from the readers: they
 * need only the folder's entries, so detecting a format loads no reader. Readers are imported
 * when their format is read: the OME-TIFF reader alone loads the TIFF decoders and itk-wasm
 * (~2 s of module loading on a loaded machine), which a plate source opening an OME-Zarr would
 * otherwise pay before its first plane (issue 17, open speed; docs/benchmarks.md).
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { isTemporaryName } from './plate-images.js';

export const OME_TIFF_RE = /\.ome\.tiff?$/i;
export const INDEX_NAMES = ['Index.idx.xml', 'Index.xml'];

/** Why the folder looks like a zarr store, or null. */
export function looksLikeZarr(root: string, entries: readonly Dirent[]): string | null {
  const has = (name: string) => entries.some(e => e.name === name);
  if (has('zarr.json')) return 'zarr.json';
  if (has('.zattrs') || has('.zgroup')) return '.zgroup/.zattrs';
  return root.toLowerCase().endsWith('.zarr') ? 'a .zarr folder' : null;
}

/** The folder's OME-TIFF files, sorted (files being written are left out). */
export function omeTiffFilesOf(entries: readonly Dirent[]): string[] {
  return entries
    .filter(e => e.isFile() && OME_TIFF_RE.test(e.name) && !isTemporaryName(e.name))
    .map(e => e.name)
    .sort();
}

/** The Harmony index of the folder (or of its Images/ folder), or null. */
export async function harmonyIndexOf(
  root: string,
  entries: readonly Dirent[]
): Promise<string | null> {
  const own = INDEX_NAMES.find(n => entries.some(e => e.isFile() && e.name === n));
  if (own) return path.join(root, own);
  if (!entries.some(e => e.isDirectory() && e.name === 'Images')) return null;
  const inner = await readdir(path.join(root, 'Images')).catch(() => [] as string[]);
  const found = INDEX_NAMES.find(n => inner.includes(n));
  return found ? path.join(root, 'Images', found) : null;
}
