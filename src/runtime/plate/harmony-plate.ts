/**
 * Opera Phenix / Operetta plates as Harmony exports them: an `Index.idx.xml` (Phenix) or
 * `Index.xml` (Operetta) beside the TIFFs, often in an `Images/` folder. Its `Images/Image`
 * entries name each file (`URL`) with `Row`, `Col`, `FieldID`, `PlaneID`, `TimepointID` (from 0),
 * `ChannelID` and `ChannelName`; `ImageResolutionX/Y` give the pixel size in metres (also in
 * `Maps/Map/Entry` per channel). Each file is one plane, read by the disk backend.
 * Every TIFF of the folder must be listed and every listed file must exist: either mismatch is
 * an incomplete export, reported with the file names.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PixelSize, Plate, PlateImage } from './plate.js';
import { rowLetters } from './pattern-plate.js';
import { parseHarmonyIndex, type HarmonyIndex, type HarmonyRecord } from './harmony-index.js';
import {
  isTemporaryName,
  refuseIfBeingWritten,
  someNames,
  sortPlateImages,
  wellsOf
} from './plate-images.js';
import { harmonyIndexOf, INDEX_NAMES } from './plate-signs.js';

const TIFF_RE = /\.tiff?$/i;

export async function readHarmonyPlate(root: string, entries: readonly Dirent[]): Promise<Plate> {
  const index = await harmonyIndexOf(root, entries);
  if (!index) {
    throw new Error(
      `Plate folder '${root}' has no Harmony index (${INDEX_NAMES.join(' or ')}, here or in Images/)`
    );
  }
  const folder = path.dirname(index);
  // Listing the folder (threads of libuv) goes on while this thread parses the index.
  const listing = folder === root ? Promise.resolve(entries.map(e => e.name)) : readdir(folder);
  listing.catch(() => {}); // awaited below, where a failure is reported
  let parsed: HarmonyIndex;
  try {
    parsed = parseHarmonyIndex(await readFile(index, 'utf8'));
  } catch (cause) {
    throw new Error(
      `Harmony index '${index}' is not valid XML: ${(cause as Error).message}; re-export the plate from Harmony`,
      { cause }
    );
  }
  if (parsed.images.length === 0) {
    throw new Error(
      `Harmony index '${index}' lists no images (expected EvaluationInputData/Images/Image entries); re-export the plate`
    );
  }

  const listed = new Set<string>();
  const images: PlateImage[] = [];
  const channelNames: Record<string, string> = {};
  let pixelSize: PixelSize | null = null;
  const wells = new Map<number, string>();
  const inFolder = folder + path.sep;
  for (let i = 0; i < parsed.images.length; i++) {
    const e = parsed.images[i];
    // Made only for an error message: 41,472 of them cost more than the rest of the loop.
    const where = () => `image entry ${i + 1} (${e.id ?? 'no id'}) of '${index}'`;
    const url = e.URL;
    if (!url) throw new Error(`${where()} has no URL; re-export the plate from Harmony`);
    // A plain file name (nearly always) needs no path.resolve.
    const plain = !url.includes('/') && !url.includes(path.sep) && url !== '.' && url !== '..';
    const file = plain ? inFolder + url : path.resolve(folder, url);
    listed.add(plain ? url : path.basename(file));
    const channel = int(e.ChannelID, 'ChannelID', where);
    const name = e.ChannelName;
    if (name && channel !== null) channelNames[String(channel)] ??= name;
    pixelSize ??= resolution(e);
    const row = int(e.Row, 'Row', where);
    const col = int(e.Col, 'Col', where);
    if (row === null || col === null) throw new Error(`${where()} has no Row or Col`);
    let well = wells.get(row * 100_000 + col);
    if (well === undefined) {
      well = `${rowLetters(row, where())}${String(col).padStart(2, '0')}`;
      wells.set(row * 100_000 + col, well);
    }
    const timepoint = int(e.TimepointID, 'TimepointID', where);
    images.push({
      path: file,
      well,
      site: int(e.FieldID, 'FieldID', where),
      channel,
      z_index: int(e.PlaneID, 'PlaneID', where),
      timepoint: timepoint === null ? null : timepoint + 1
    });
  }
  for (const entry of parsed.channels) {
    const id = Number(entry.ChannelID);
    if (Number.isInteger(id) && entry.ChannelName) channelNames[String(id)] ??= entry.ChannelName;
    pixelSize ??= resolution(entry);
  }

  await checkFiles(root, folder, index, listed, await listing);
  const sorted = sortPlateImages(root, images);
  const plateName = parsed.plateName;
  return {
    root,
    name: plateName ?? path.basename(root),
    format: 'harmony',
    wells: wellsOf(sorted),
    images: sorted,
    channelNames,
    pixelSize,
    pixels: null
  };
}

/** Every listed file exists and every TIFF is listed; else the export is incomplete. */
function checkFiles(
  root: string,
  folder: string,
  index: string,
  listed: Set<string>,
  present: readonly string[]
) {
  refuseIfBeingWritten(
    root,
    present.filter(isTemporaryName).map(n => path.join(folder, n))
  );
  // One pass over the folder: how many listed files it holds, and the TIFFs it holds unlisted.
  let found = 0;
  const unlistedNames: string[] = [];
  for (const n of present) {
    if (listed.has(n)) found++;
    else if (TIFF_RE.test(n) && !isTemporaryName(n)) unlistedNames.push(n);
  }
  if (found < listed.size) {
    const have = new Set(present);
    const missing = [...listed].filter(n => !have.has(n)).map(n => path.join(folder, n));
    throw new Error(
      `Harmony plate '${root}': ${missing.length} image file(s) listed in '${path.basename(index)}' are missing: ` +
        `${someNames(root, missing)}. The export is incomplete; export the plate again or restore the files.`
    );
  }
  const unlisted = unlistedNames.map(n => path.join(folder, n));
  if (unlisted.length > 0) {
    throw new Error(
      `Harmony plate '${root}': ${unlisted.length} TIFF(s) have no entry in '${path.basename(index)}': ` +
        `${someNames(root, unlisted)}. Without an entry their well, field, plane and channel are unknown; ` +
        'export the plate again, or move these files out of the folder.'
    );
  }
}

/** ImageResolutionX/Y (metres, or the Unit given) as micrometres. */
function resolution(record: HarmonyRecord): PixelSize | null {
  const size = (tag: 'ImageResolutionX' | 'ImageResolutionY'): number | null => {
    const value = Number(record[tag]);
    if (!(value > 0)) return null;
    const unit = record[`${tag}Unit`] ?? 'm';
    const factor =
      unit === 'm' ? 1e6 : unit === 'mm' ? 1e3 : unit === 'µm' || unit === 'um' ? 1 : null;
    return factor === null ? null : value * factor;
  };
  const x = size('ImageResolutionX');
  const y = size('ImageResolutionY') ?? x;
  return x && y ? { x, y, unit: 'micrometer' } : null;
}

function int(t: string | undefined, tag: string, where: () => string): number | null {
  if (t === undefined || t === '') return null;
  const n = Number(t);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${where()}: ${tag} '${t}' is not a whole number`);
  return n;
}
