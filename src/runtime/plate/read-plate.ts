/**
 * Reads a folder of ImageXpress-named TIFFs into a `Plate` (file list + components; pixels are
 * read later through the FileManager's disk backend). Images may sit in the folder itself or in
 * MetaXpress-style `TimePoint_N/` and `TimePoint_N/ZStep_M/` subfolders; a name without `_t`/`_z`
 * then takes its timepoint/z from the folder. Channel names come from the plate's `.HTD` file
 * (see htd.ts), looked for in the folder and, when the folder itself is a `TimePoint_N`, its parent.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Plate, PlateImage } from './plate.js';
import { IMAGE_XPRESS_PATTERN, compareWells, parseImageXpressName } from '../model/image-xpress.js';
import { readHtdChannelNames } from './htd.js';

const TIFF_RE = /\.tiff?$/i;
const TIMEPOINT_DIR_RE = /^TimePoint_(\d+)$/i;
const ZSTEP_DIR_RE = /^ZStep_(\d+)$/i;

interface Found {
  file: string;
  timepoint: number | null;
  z_index: number | null;
}

export async function readPlate(dir: string): Promise<Plate> {
  const root = path.resolve(dir);
  const info = await stat(root).catch(() => null);
  if (!info)
    throw new Error(
      `Plate folder '${root}' does not exist; pass the folder that holds the plate's TIFF files`
    );
  if (!info.isDirectory())
    throw new Error(
      `Plate folder '${root}' is a file, not a folder; pass the folder that holds it`
    );

  const found: Found[] = [];
  await collect(root, { timepoint: null, z_index: null }, found, 0);
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
      bad.push(path.relative(root, f.file));
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
    const shown = bad
      .slice(0, 5)
      .map(b => `'${b}'`)
      .join(', ');
    throw new Error(
      `Plate folder '${root}': ${bad.length} file(s) do not follow the ImageXpress naming: ${shown}` +
        `${bad.length > 5 ? ', …' : ''}. Expected ${IMAGE_XPRESS_PATTERN}; rename them or move them out of the folder.`
    );
  }

  images.sort(compareImages);
  for (let i = 1; i < images.length; i++) {
    if (compareImages(images[i - 1], images[i]) === 0) {
      throw new Error(
        `Plate folder '${root}': '${images[i - 1].path}' and '${images[i].path}' name the same image ` +
          `(well ${images[i].well}, site ${images[i].site}, channel ${images[i].channel}, z ${images[i].z_index}, ` +
          `timepoint ${images[i].timepoint}); remove one of them.`
      );
    }
  }

  let htd = await readHtdChannelNames(root);
  const isTimePointDir = TIMEPOINT_DIR_RE.test(path.basename(root));
  if (!htd.file && isTimePointDir) htd = await readHtdChannelNames(path.dirname(root));

  return {
    root,
    name: path.basename(isTimePointDir ? path.dirname(root) : root),
    wells: [...new Set(images.map(i => i.well))].sort(compareWells),
    images,
    channelNames: htd.names
  };
}

/** Gathers TIFFs of `dir`, descending only into TimePoint_N and ZStep_M folders. */
async function collect(
  dir: string,
  from: Omit<Found, 'file'>,
  out: Found[],
  depth: number
): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isFile() && TIFF_RE.test(entry.name) && !/thumb/i.test(entry.name)) {
      out.push({ file: full, ...from });
    } else if (entry.isDirectory() && depth < 2) {
      const tp = TIMEPOINT_DIR_RE.exec(entry.name);
      const zs = ZSTEP_DIR_RE.exec(entry.name);
      if (tp)
        await collect(full, { ...from, timepoint: Number.parseInt(tp[1], 10) }, out, depth + 1);
      else if (zs)
        await collect(full, { ...from, z_index: Number.parseInt(zs[1], 10) }, out, depth + 1);
    }
  }
}

function compareImages(a: PlateImage, b: PlateImage): number {
  return (
    compareWells(a.well, b.well) ||
    cmp(a.site, b.site) ||
    cmp(a.channel, b.channel) ||
    cmp(a.z_index, b.z_index) ||
    cmp(a.timepoint, b.timepoint)
  );
}

/** Nulls first, then ascending. */
function cmp(a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a - b;
}
