/**
 * ImageXpress file names, e.g. `A01_s001_w1_z001_t001.tif`: well A01, site 1, channel
 * (wavelength) 1, z-plane 1, timepoint 1. All numbers are 1-based as the microscope writes them.
 * Every part after the well may be missing (`A01_w2.tif`); a missing part parses to null,
 * never to a guess (OpenHCS mistake 6). An optional plate prefix (`MyPlate_A01_s1_w1.TIF`) is
 * kept so that `formatImageXpressName(parseImageXpressName(name)) === name`.
 */

export interface ImageXpressName {
  /** Text before the well, without the joining `_`; null when absent. */
  prefix: string | null;
  /** Well as written, letters upper-cased: `A01`, `P24`, `AF48`. */
  well: string;
  site: number | null;
  channel: number | null;
  z_index: number | null;
  timepoint: number | null;
  /** Extension with its dot, as written (`.tif`, `.TIF`, `.tiff`). */
  extension: string;
  /** MetaXpress appends a GUID to exported names (`A01_s1_w1F2C5…-….tif`); kept, not interpreted. */
  guid?: string;
  /**
   * Digits each number was written with (`s1` → 1, `s001` → 3), so formatting reproduces the
   * name. Omitted parts format with the defaults `s001`, `w1`, `z001`, `t001`.
   */
  digits?: Partial<Record<NumberPart, number>>;
}

type NumberPart = 'site' | 'channel' | 'z_index' | 'timepoint';

export const IMAGE_XPRESS_PATTERN =
  '<well>[_s<site>][_w<channel>][_z<z>][_t<timepoint>].tif, e.g. A01_s001_w1_z001_t001.tif';

const DEFAULT_DIGITS: Record<NumberPart, number> = {
  site: 3,
  channel: 1,
  z_index: 3,
  timepoint: 3
};
const LETTERS: Record<NumberPart, string> = {
  site: 's',
  channel: 'w',
  z_index: 'z',
  timepoint: 't'
};
const PARTS: NumberPart[] = ['site', 'channel', 'z_index', 'timepoint'];

const NAME_RE =
  /^(?:(?<prefix>.*?)_)??(?<well>[A-Za-z]{1,2}\d{1,3})(?:_s(?<site>\d+))?(?:_w(?<channel>\d+))?(?:_z(?<z_index>\d+))?(?:_t(?<timepoint>\d+))?(?<guid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?(?<extension>\.tiff?)$/i;

const PREFIX_LOOKS_LIKE_WELL_RE = /(?:^|_)[A-Za-z]{1,2}\d{1,3}(?:_[swzt]\d*)*$/i;

/** Parses a file name (not a path); returns null when it is not an ImageXpress name. */
export function parseImageXpressName(fileName: string): ImageXpressName | null {
  const match = NAME_RE.exec(fileName);
  if (!match?.groups) return null;
  const g = match.groups;
  // `A01_s_w1.tif` would otherwise read as prefix `A01_s` + well `W1`: a prefix that itself
  // ends in a well (and parts) means the name is malformed, not prefixed.
  if (g.prefix !== undefined && PREFIX_LOOKS_LIKE_WELL_RE.test(g.prefix)) return null;
  const parsed: ImageXpressName = {
    prefix: g.prefix ?? null,
    well: g.well.toUpperCase(),
    site: null,
    channel: null,
    z_index: null,
    timepoint: null,
    extension: g.extension
  };
  if (g.guid) parsed.guid = g.guid;
  const digits: Partial<Record<NumberPart, number>> = {};
  for (const part of PARTS) {
    const text = g[part];
    if (text === undefined) continue;
    parsed[part] = Number.parseInt(text, 10);
    if (text.length !== DEFAULT_DIGITS[part]) digits[part] = text.length;
  }
  if (Object.keys(digits).length > 0) parsed.digits = digits;
  return parsed;
}

/** Like `parseImageXpressName` but throws a clear error naming the file and the pattern. */
export function parseImageXpressNameOrThrow(fileName: string): ImageXpressName {
  const parsed = parseImageXpressName(fileName);
  if (!parsed) {
    throw new Error(
      `'${fileName}' is not an ImageXpress file name; expected ${IMAGE_XPRESS_PATTERN}`
    );
  }
  return parsed;
}

/** Builds a file name; null parts are left out. Missing prefix/extension default to none/`.tif`. */
export function formatImageXpressName(
  name: Pick<ImageXpressName, 'well'> & Partial<Omit<ImageXpressName, 'well'>>
): string {
  if (!/^[A-Za-z]{1,2}\d{1,3}$/.test(name.well)) {
    throw new Error(`Well '${name.well}' is not a plate well name like A01 or P24`);
  }
  let out = name.prefix ? `${name.prefix}_${name.well}` : name.well;
  for (const part of PARTS) {
    const value = name[part];
    if (value === null || value === undefined) continue;
    if (!Number.isInteger(value) || value < 0) {
      throw new Error(
        `${part} must be a non-negative integer (1-based as on the microscope), got ${value}`
      );
    }
    const width = name.digits?.[part] ?? DEFAULT_DIGITS[part];
    out += `_${LETTERS[part]}${String(value).padStart(width, '0')}`;
  }
  return out + (name.guid ?? '') + (name.extension ?? '.tif');
}

/** Splits a well name into its row letter(s) and column number: `B07` → `{ row: 'B', column: 7 }`. */
export function splitWell(well: string): { row: string; column: number } {
  const match = /^([A-Za-z]{1,2})(\d{1,3})$/.exec(well);
  if (!match) throw new Error(`Well '${well}' is not a plate well name like A01 or P24`);
  return { row: match[1].toUpperCase(), column: Number.parseInt(match[2], 10) };
}

/** Plate order: by row (A < B < … < Z < AA), then by column number. */
export function compareWells(a: string, b: string): number {
  const wa = splitWell(a);
  const wb = splitWell(b);
  if (wa.row.length !== wb.row.length) return wa.row.length - wb.row.length;
  if (wa.row !== wb.row) return wa.row < wb.row ? -1 : 1;
  return wa.column - wb.column;
}
