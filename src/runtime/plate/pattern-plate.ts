/**
 * Plates named any way: the user gives a file-name pattern whose named parts map onto well,
 * site, channel, z and timepoint. Either a template
 *
 *   '{well}_s{site}_ch{channel}_z{z}.tif'        A01_s2_ch1_z3.tif
 *   'r{row}c{column}f{site}p{z}-ch{channel}*.tiff'   r01c02f03p01-ch2sk1fk1fl1.tiff (row 1 → A)
 *
 * with `{well}`, `{row}` (letters or a number), `{column}`, `{site}` (or `{field}`),
 * `{channel}`, `{z}`, `{timepoint}` (or `{t}`) and `*` for any text, or a RegExp with named
 * groups of those names. A template may hold `/` to reach into subfolders. A channel that is a
 * name (`{channel}` = `DAPI`) is numbered in sorted order and the name kept as its channel name.
 * Files are whole images, read by the disk backend (TIFF, or other formats by extension).
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Plate, PlateImage } from './plate.js';
import { isTemporaryName, refuseIfBeingWritten, sortPlateImages, wellsOf } from './plate-images.js';

export type FilePattern = string | RegExp;

const GROUPS: Record<string, string> = {
  well: '(?<well>[A-Za-z]{1,2}\\d{1,3})',
  row: '(?<row>[A-Za-z]{1,2}|\\d{1,3})',
  column: '(?<column>\\d{1,3})',
  site: '(?<site>\\d+)',
  field: '(?<site>\\d+)',
  channel: '(?<channel>[^_/.-]+?)',
  z: '(?<z>\\d+)',
  timepoint: '(?<timepoint>\\d+)',
  t: '(?<timepoint>\\d+)'
};
const ROW_LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** The RegExp of a template or RegExp pattern; errors name the unknown placeholder. */
export function patternRegExp(pattern: FilePattern): RegExp {
  if (pattern instanceof RegExp) return pattern;
  let source = '';
  let at = 0;
  for (const match of pattern.matchAll(/\{(\w+)\}|\*/g)) {
    source += escape(pattern.slice(at, match.index));
    if (match[0] === '*') source += '[^/]*';
    else {
      const group = GROUPS[match[1]];
      if (!group)
        throw new Error(
          `file pattern '${pattern}': unknown part {${match[1]}}; use ${Object.keys(GROUPS)
            .map(g => `{${g}}`)
            .join(', ')} or *`
        );
      source += group;
    }
    at = match.index + match[0].length;
  }
  source += escape(pattern.slice(at));
  return new RegExp(`^${source}$`, 'i');
}

export async function readPatternPlate(root: string, pattern: FilePattern): Promise<Plate> {
  const re = patternRegExp(pattern);
  const names = re.source.replaceAll('(?<', '\u0000').split('\u0000').length - 1;
  if (!/\(\?<well>/.test(re.source) && !/\(\?<row>/.test(re.source)) {
    throw new Error(
      `file pattern ${String(pattern)} names no well: it needs {well}, or {row} and {column} (named groups well / row, column)`
    );
  }
  const depth = re.source.split('/').length - 1;
  const files: string[] = [];
  const temporary: string[] = [];
  await list(root, '', depth, files, temporary);
  refuseIfBeingWritten(root, temporary);

  const images: PlateImage[] = [];
  const channelText: string[] = [];
  for (const rel of files) {
    const g = re.exec(rel)?.groups;
    if (!g) continue;
    const well = wellOf(g, rel, root);
    images.push({
      path: path.join(root, rel),
      well,
      site: number(g.site),
      channel: null,
      z_index: number(g.z ?? g.z_index),
      timepoint: number(g.timepoint ?? g.t)
    });
    channelText.push(g.channel ?? '');
  }
  if (images.length === 0 || names === 0) {
    const some =
      files
        .slice(0, 3)
        .map(f => `'${f}'`)
        .join(', ') || 'none';
    throw new Error(
      `Plate folder '${root}': no file matches the pattern ${String(pattern)} (files found: ${some}). ` +
        'Check the pattern against the names, e.g. {well}_s{site}_w{channel}.tif.'
    );
  }
  const channelNames = numberChannels(images, channelText);
  const sorted = sortPlateImages(root, images);
  return {
    root,
    name: path.basename(root),
    format: 'pattern',
    wells: wellsOf(sorted),
    images: sorted,
    channelNames,
    pixelSize: null,
    pixels: null
  };
}

/** Numeric channels as they are; named ones numbered 1… in sorted order, the name kept. */
function numberChannels(images: PlateImage[], text: string[]): Record<string, string> {
  const named = [...new Set(text.filter(t => t !== '' && !/^\d+$/.test(t)))].sort();
  const names: Record<string, string> = {};
  named.forEach((n, i) => (names[String(i + 1)] = n));
  const numberOf = new Map(named.map((n, i) => [n, i + 1]));
  images.forEach((image, i) => {
    const t = text[i];
    image.channel = t === '' ? null : (numberOf.get(t) ?? Number.parseInt(t, 10));
  });
  if (named.length > 0 && text.some(t => /^\d+$/.test(t))) {
    throw new Error(
      `channels are partly numbers and partly names (${named.slice(0, 3).join(', ')}); use one kind`
    );
  }
  return names;
}

function wellOf(g: Record<string, string | undefined>, file: string, root: string): string {
  if (g.well) {
    const m = /^([A-Za-z]{1,2})(\d{1,3})$/.exec(g.well)!;
    return `${m[1].toUpperCase()}${m[2].padStart(2, '0')}`;
  }
  if (g.row === undefined || g.column === undefined) {
    throw new Error(
      `Plate folder '${root}': '${file}' gives no ${g.row === undefined ? 'row' : 'column'}; the pattern needs both {row} and {column}`
    );
  }
  const row = /^\d+$/.test(g.row)
    ? rowLetters(Number.parseInt(g.row, 10), file)
    : g.row.toUpperCase();
  return `${row}${String(Number.parseInt(g.column, 10)).padStart(2, '0')}`;
}

/** Row 1 → A, 27 → AA (microscopes number rows from 1). */
export function rowLetters(row: number, where: string): string {
  if (row < 1 || row > 26 * 27)
    throw new Error(`'${where}': row ${row} is not a plate row (1 = A … 702 = ZZ)`);
  const i = row - 1;
  return i < 26 ? ROW_LETTERS[i] : ROW_LETTERS[Math.floor(i / 26) - 1] + ROW_LETTERS[i % 26];
}

function number(text: string | undefined): number | null {
  return text === undefined ? null : Number.parseInt(text, 10);
}

function escape(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** Files under `dir` (relative, '/'-separated) down to `depth` folders; temporaries apart. */
async function list(
  root: string,
  rel: string,
  depth: number,
  out: string[],
  temporary: string[]
): Promise<void> {
  const entries = await readdir(path.join(root, rel), { withFileTypes: true });
  for (const e of entries) {
    const name = rel ? `${rel}/${e.name}` : e.name;
    if (isTemporaryName(e.name)) temporary.push(name);
    else if (e.isFile() && e.name[0] !== '.') out.push(name);
    else if (e.isDirectory() && depth > 0) await list(root, name, depth - 1, out, temporary);
  }
}
