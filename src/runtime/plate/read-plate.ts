/**
 * `readPlate(dir)`: finds out which format a plate folder holds and reads it with that format's
 * reader, listing images and metadata only (no pixels). Formats are tried in this order:
 *
 *   OME-Zarr   the folder is an NGFF HCS store (.zattrs/.zgroup or zarr.json with a plate)
 *   Harmony    Opera Phenix / Operetta export: Index.idx.xml or Index.xml (here or in Images/)
 *   OME-TIFF   *.ome.tif / *.ome.tiff files with OME-XML
 *   ImageXpress  A01_s001_w1_z001_t001.tif files (or TimePoint_N folders)
 *
 * and `{ pattern }` reads files named any other way. A folder that matches two formats is an
 * error (one plate per folder), and one that matches none says what was looked for. The
 * Harmony, OME-TIFF and OME-Zarr readers are loaded when their format is read (plate-signs.ts).
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { PixelSize, Plate, PlateFormat } from './plate.js';
import { looksLikeImageXpress, readImageXpressPlate } from './image-xpress-plate.js';
import { readPatternPlate, type FilePattern } from './pattern-plate.js';
import { harmonyIndexOf, looksLikeZarr, omeTiffFilesOf } from './plate-signs.js';

export interface ReadPlateOptions {
  /** Read the folder as this format instead of detecting it. */
  format?: PlateFormat;
  /**
   * File names with named groups, for plates named neither way above; implies format
   * 'pattern'. See pattern-plate.ts: `'{well}_s{site}_ch{channel}.tif'` or a RegExp.
   */
  pattern?: FilePattern;
  /** The pixel size to use when the plate's metadata has none (or to correct it). */
  pixelSize?: PixelSize;
  /** Channel names to use where the plate's metadata has none. */
  channelNames?: Record<string, string>;
}

interface Candidate {
  format: PlateFormat;
  label: string;
  /** Why the folder looks like this format, or null. */
  sign: (root: string, entries: readonly Dirent[]) => Promise<string | null>;
  /** What was looked for, when it does not. */
  lookedFor: string;
}

const CANDIDATES: Candidate[] = [
  {
    format: 'ome-zarr',
    label: 'OME-Zarr',
    sign: async (root, entries) => looksLikeZarr(root, entries),
    lookedFor: 'a .zgroup/.zattrs or zarr.json of an NGFF plate'
  },
  {
    format: 'harmony',
    label: 'Harmony (Opera Phenix / Operetta)',
    sign: async (root, entries) => {
      const index = await harmonyIndexOf(root, entries);
      return index && path.relative(root, index);
    },
    lookedFor: 'Index.idx.xml or Index.xml, here or in Images/'
  },
  {
    format: 'ome-tiff',
    label: 'OME-TIFF',
    sign: async (_root, entries) => {
      const files = omeTiffFilesOf(entries);
      return files.length > 0 ? `${files.length} .ome.tif file(s)` : null;
    },
    lookedFor: '*.ome.tif / *.ome.tiff files'
  },
  {
    format: 'imagexpress',
    label: 'ImageXpress',
    sign: async (_root, entries) =>
      looksLikeImageXpress(entries) ? '.tif files or TimePoint_N folders' : null,
    lookedFor: '.tif/.tiff files named like A01_s001_w1_z001_t001.tif, or TimePoint_N folders'
  }
];

export async function readPlate(dir: string, options: ReadPlateOptions = {}): Promise<Plate> {
  const root = path.resolve(dir);
  const info = await stat(root).catch(() => null);
  if (!info)
    throw new Error(
      `Plate folder '${root}' does not exist; pass the folder that holds the plate's images`
    );
  if (!info.isDirectory())
    throw new Error(
      `Plate folder '${root}' is a file, not a folder; pass the folder that holds it`
    );
  const entries = await readdir(root, { withFileTypes: true });
  const format =
    options.pattern !== undefined ? 'pattern' : (options.format ?? (await detect(root, entries)));
  const plate = await readAs(format, root, entries, options);
  return withOptions(plate, options);
}

/** The one format the folder holds; errors when none or several fit. */
async function detect(root: string, entries: readonly Dirent[]): Promise<PlateFormat> {
  const signs: { candidate: Candidate; sign: string }[] = [];
  for (const candidate of CANDIDATES) {
    const sign = await candidate.sign(root, entries);
    if (sign) signs.push({ candidate, sign });
  }
  // A Harmony export's own TIFFs are not a second (ImageXpress) plate.
  const found = signs.filter(
    s =>
      !(s.candidate.format === 'imagexpress' && signs.some(o => o.candidate.format === 'harmony'))
  );
  if (found.length === 1) return found[0].candidate.format;
  if (found.length === 0) {
    const tried = CANDIDATES.map(c => `${c.label} (${c.lookedFor})`).join('; ');
    throw new Error(
      `Plate folder '${root}': no plate format fits. Tried ${tried}. ` +
        "For files named another way, pass a pattern: readPlate(dir, { pattern: '{well}_s{site}_w{channel}.tif' })."
    );
  }
  const what = found.map(s => `${s.candidate.label} (${s.sign})`).join(' and ');
  throw new Error(
    `Plate folder '${root}' mixes plate formats: ${what}. Keep one plate per folder ` +
      `(move the others out), or choose one with readPlate(dir, { format: '${found[0].candidate.format}' }).`
  );
}

function readAs(
  format: PlateFormat,
  root: string,
  entries: readonly Dirent[],
  options: ReadPlateOptions
): Promise<Plate> {
  switch (format) {
    case 'imagexpress':
      return readImageXpressPlate(root, entries);
    case 'pattern':
      if (options.pattern === undefined)
        throw new Error(
          `format 'pattern' needs a pattern: readPlate(dir, { pattern: '{well}_{channel}.tif' })`
        );
      return readPatternPlate(root, options.pattern);
    case 'harmony':
      return import('./harmony-plate.js').then(r => r.readHarmonyPlate(root, entries));
    case 'ome-tiff':
      return import('./ome-tiff-plate.js').then(r => r.readOmeTiffPlate(root, entries));
    case 'ome-zarr':
      return import('./ome-zarr-plate.js').then(r => r.readOmeZarrPlate(root));
    default:
      throw new Error(
        `unknown plate format '${String(format)}'; use one of ${CANDIDATES.map(c => c.format).join(', ')}, pattern`
      );
  }
}

function withOptions(plate: Plate, options: ReadPlateOptions): Plate {
  return {
    ...plate,
    channelNames: { ...(options.channelNames ?? {}), ...plate.channelNames },
    pixelSize: options.pixelSize ?? plate.pixelSize ?? null
  };
}
