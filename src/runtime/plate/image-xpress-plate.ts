/**
 * ImageXpress plates: a folder of TIFFs named `A01_s001_w1_z001_t001.tif` (model/image-xpress.ts),
 * in the folder itself or in MetaXpress-style `TimePoint_N/` and `TimePoint_N/ZStep_M/`
 * subfolders; a name without `_t`/`_z` then takes its timepoint/z from the folder. Channel names
 * come from the plate's `.HTD` file (htd.ts), looked for in the folder and, when the folder itself
 * is a `TimePoint_N`, its parent. Pixels are whole files, read by the disk backend.
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Plate, PlateImage } from './plate.js';
import { IMAGE_XPRESS_PATTERN, parseImageXpressName } from '../model/image-xpress.js';
import { readHtdChannelNames } from './htd.js';
import {
  isTemporaryName,
  refuseIfBeingWritten,
  someNames,
  sortPlateImages,
  wellsOf
} from './plate-images.js';

const TIFF_RE = /\.tiff?$/i;
const TIMEPOINT_DIR_RE = /^TimePoint_(\d+)$/i;
const ZSTEP_DIR_RE = /^ZStep_(\d+)$/i;

interface Found {
  file: string;
  timepoint: number | null;
  z_index: number | null;
}

/** True when a folder's entries hold TIFFs or MetaXpress TimePoint folders. */
export function looksLikeImageXpress(entries: readonly Dirent[]): boolean {
  return entries.some(
    e =>
      (e.isFile() && TIFF_RE.test(e.name) && !isTemporaryName(e.name)) ||
      (e.isDirectory() && TIMEPOINT_DIR_RE.test(e.name))
  );
}

/** Reads the ImageXpress plate in `root`, whose entries the caller has listed already. */
export async function readImageXpressPlate(
  root: string,
  entries: readonly Dirent[]
): Promise<Plate> {
  const found: Found[] = [];
  const temporary: string[] = [];
  await collect(root, entries, { timepoint: null, z_index: null }, found, temporary, 0);
  refuseIfBeingWritten(root, temporary);
  if (found.length === 0) {
    throw new Error(
      `Plate folder '${root}' holds no .tif/.tiff images (also looked in TimePoint_N/ZStep_M subfolders); ` +
        `expected files named ${IMAGE_XPRESS_PATTERN}`
    );
  }

  const images: PlateImage[] = [];
  const bad: string[] = [];
  for (const f of found) {
    const parsed = parseImageXpressName(path.basename(f.file));
    if (!parsed) {
      bad.push(f.file);
      continue;
    }
    images.push({
      path: f.file,
      well: parsed.well,
      site: parsed.site,
      channel: parsed.channel,
      z_index: parsed.z_index ?? f.z_index,
      timepoint: parsed.timepoint ?? f.timepoint
    });
  }
  if (bad.length > 0) {
    throw new Error(
      `Plate folder '${root}': ${bad.length} file(s) do not follow the ImageXpress naming: ${someNames(root, bad)}. ` +
        `Expected ${IMAGE_XPRESS_PATTERN}; rename them or move them out of the folder ` +
        '(or read the plate with readPlate(dir, { pattern }) for another naming).'
    );
  }
  const sorted = sortPlateImages(root, images);

  let htd = await readHtdChannelNames(root);
  const isTimePointDir = TIMEPOINT_DIR_RE.test(path.basename(root));
  if (!htd.file && isTimePointDir) htd = await readHtdChannelNames(path.dirname(root));

  return {
    root,
    name: path.basename(isTimePointDir ? path.dirname(root) : root),
    format: 'imagexpress',
    wells: wellsOf(sorted),
    images: sorted,
    channelNames: htd.names,
    pixelSize: null,
    pixels: null
  };
}

/** Gathers TIFFs of a folder, descending only into TimePoint_N and ZStep_M folders. */
async function collect(
  dir: string,
  entries: readonly Dirent[],
  from: Omit<Found, 'file'>,
  out: Found[],
  temporary: string[],
  depth: number
): Promise<void> {
  for (const entry of entries) {
    const name = entry.name;
    if (isTemporaryName(name)) {
      temporary.push(path.join(dir, name));
      continue;
    }
    if (entry.isFile()) {
      if (TIFF_RE.test(name) && !/thumb/i.test(name) && name[0] !== '.')
        out.push({ file: path.join(dir, name), ...from });
    } else if (entry.isDirectory() && depth < 2) {
      const tp = TIMEPOINT_DIR_RE.exec(name);
      const zs = ZSTEP_DIR_RE.exec(name);
      if (!tp && !zs) continue;
      const full = path.join(dir, name);
      const next = tp
        ? { ...from, timepoint: Number.parseInt(tp[1], 10) }
        : { ...from, z_index: Number.parseInt(zs![1], 10) };
      const inner = await readdir(full, { withFileTypes: true });
      await collect(full, inner, next, out, temporary, depth + 1);
    }
  }
}
