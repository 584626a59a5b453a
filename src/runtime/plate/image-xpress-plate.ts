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
/** The usual name, no prefix or GUID: parsed by this regex alone (the full one backtracks). */
const PLAIN_NAME_RE =
  /^([A-Za-z]{1,2}\d{1,3})(?:_s(\d+))?(?:_w(\d+))?(?:_z(\d+))?(?:_t(\d+))?\.tiff?$/i;
const TIMEPOINT_DIR_RE = /^TimePoint_(\d+)$/i;
const ZSTEP_DIR_RE = /^ZStep_(\d+)$/i;

/** True when a folder's entries hold TIFFs (not OME-TIFFs) or MetaXpress TimePoint folders. */
export function looksLikeImageXpress(entries: readonly Dirent[]): boolean {
  return entries.some(
    e =>
      (e.isFile() &&
        TIFF_RE.test(e.name) &&
        !isTemporaryName(e.name) &&
        !/\.ome\.tiff?$/i.test(e.name)) ||
      (e.isDirectory() && TIMEPOINT_DIR_RE.test(e.name))
  );
}

/** Reads the ImageXpress plate in `root`, whose entries the caller has listed already. */
export async function readImageXpressPlate(
  root: string,
  entries: readonly Dirent[]
): Promise<Plate> {
  const images: PlateImage[] = [];
  const bad: string[] = [];
  const temporary: string[] = [];
  await collect(root, entries, { timepoint: null, z_index: null }, { images, bad, temporary }, 0);
  refuseIfBeingWritten(root, temporary);
  if (images.length === 0 && bad.length === 0) {
    throw new Error(
      `Plate folder '${root}' holds no .tif/.tiff images (also looked in TimePoint_N/ZStep_M subfolders); ` +
        `expected files named ${IMAGE_XPRESS_PATTERN}`
    );
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

type Parts = Pick<PlateImage, 'well' | 'site' | 'channel' | 'z_index' | 'timepoint'>;

/** The components of an ImageXpress name, the plain form first; null when it is none. */
function parseName(name: string): Parts | null {
  const m = PLAIN_NAME_RE.exec(name);
  if (!m) return parseImageXpressName(name);
  const n = (t: string | undefined) => (t === undefined ? null : Number.parseInt(t, 10));
  return {
    well: m[1].toUpperCase(),
    site: n(m[2]),
    channel: n(m[3]),
    z_index: n(m[4]),
    timepoint: n(m[5])
  };
}

/** Gathers the images of a folder, descending only into TimePoint_N and ZStep_M folders. */
async function collect(
  dir: string,
  entries: readonly Dirent[],
  from: { timepoint: number | null; z_index: number | null },
  out: { images: PlateImage[]; bad: string[]; temporary: string[] },
  depth: number
): Promise<void> {
  for (const entry of entries) {
    const name = entry.name;
    if (isTemporaryName(name)) {
      out.temporary.push(path.join(dir, name));
      continue;
    }
    if (entry.isFile()) {
      if (!TIFF_RE.test(name) || name[0] === '.' || /thumb/i.test(name)) continue;
      // Plain concatenation: path.join per file was a tenth of listing a 41,472-file plate.
      const file = `${dir}${path.sep}${name}`;
      const parsed = parseName(name);
      if (!parsed) out.bad.push(file);
      else
        out.images.push({
          path: file,
          well: parsed.well,
          site: parsed.site,
          channel: parsed.channel,
          z_index: parsed.z_index ?? from.z_index,
          timepoint: parsed.timepoint ?? from.timepoint
        });
    } else if (entry.isDirectory() && depth < 2) {
      const tp = TIMEPOINT_DIR_RE.exec(name);
      const zs = ZSTEP_DIR_RE.exec(name);
      if (!tp && !zs) continue;
      const full = path.join(dir, name);
      const next = tp
        ? { ...from, timepoint: Number.parseInt(tp[1], 10) }
        : { ...from, z_index: Number.parseInt(zs![1], 10) };
      const inner = await readdir(full, { withFileTypes: true });
      await collect(full, inner, next, out, depth + 1);
    }
  }
}
