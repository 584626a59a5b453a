/**
 * Which wells a streaming or materialization config applies to, as OpenHCS writes it:
 *   3                  the first 3 wells in plate order (A01, A02, …, B01, …)
 *   ['A01', 'B03']     exactly these wells
 *   'A01,B03'          the same, as one string
 *   'row:A'  'row:A-C' 'row:A,C'      whole rows
 *   'col:3'  'col:01-06' 'col:1,12'   whole columns
 * with `well_filter_mode` 'include' (keep those) or 'exclude' (keep all others).
 */
import { compareWells, splitWell } from './image-xpress.js';

export type WellFilter = number | string | readonly string[];
export type WellFilterMode = 'include' | 'exclude';

export const WELL_FILTER_EXAMPLES =
  "3 (first 3 wells), ['A01', 'B02'], 'row:A', 'row:A-C', 'col:01-06'";

export class WellFilterError extends Error {
  constructor(message: string) {
    super(`${message}. Valid well filters: ${WELL_FILTER_EXAMPLES}`);
    this.name = 'WellFilterError';
  }
}

/** The plate's wells that pass the filter, in plate order; throws WellFilterError if bad. */
export function applyWellFilter(
  plateWells: readonly string[],
  filter: WellFilter | null | undefined,
  mode: WellFilterMode = 'include'
): string[] {
  const wells = [...plateWells].sort(compareWells);
  if (filter === null || filter === undefined) return wells;
  if (mode !== 'include' && mode !== 'exclude') {
    throw new WellFilterError(
      `well_filter_mode must be 'include' or 'exclude', got '${String(mode)}'`
    );
  }
  const chosen = matchWells(wells, filter);
  return wells.filter(w => chosen.has(w) === (mode === 'include'));
}

function matchWells(wells: string[], filter: WellFilter): Set<string> {
  if (typeof filter === 'number') {
    if (!Number.isInteger(filter) || filter < 1) {
      throw new WellFilterError(
        `a number well filter means "the first N wells" and must be a whole number ≥ 1, got ${filter}`
      );
    }
    return new Set(wells.slice(0, filter));
  }
  if (Array.isArray(filter)) return explicitWells(wells, filter as readonly string[]);
  if (typeof filter !== 'string') {
    throw new WellFilterError(
      `a well filter must be a number, a list of wells or a string, got ${typeof filter}`
    );
  }
  const text = filter.trim();
  const axis = /^(row|col|column)\s*:\s*(.+)$/i.exec(text);
  if (!axis) return explicitWells(wells, text.split(','));
  const isRow = axis[1].toLowerCase() === 'row';
  const wanted = new Set<string>();
  for (const part of axis[2].split(',')) {
    for (const v of expandRange(part.trim(), isRow, filter)) wanted.add(v);
  }
  return new Set(
    wells.filter(w => {
      const { row, column } = splitWell(w);
      return wanted.has(isRow ? row : String(column));
    })
  );
}

function explicitWells(wells: string[], list: readonly string[]): Set<string> {
  if (list.length === 0) throw new WellFilterError('the well list is empty');
  const onPlate = new Set(wells);
  const chosen = new Set<string>();
  for (const raw of list) {
    if (typeof raw !== 'string' || !/^[A-Za-z]{1,2}\d{1,3}$/.test(raw.trim())) {
      throw new WellFilterError(`'${String(raw)}' is not a well name like A01`);
    }
    const well = normalizeWell(raw.trim(), wells);
    if (!onPlate.has(well)) {
      throw new WellFilterError(`well '${raw}' is not on the plate (wells: ${summarize(wells)})`);
    }
    chosen.add(well);
  }
  return chosen;
}

/** 'a1' matches the plate's 'A01': compare by row and column number, not by spelling. */
function normalizeWell(name: string, wells: string[]): string {
  const { row, column } = splitWell(name);
  return (
    wells.find(w => {
      const s = splitWell(w);
      return s.row === row && s.column === column;
    }) ?? name.toUpperCase()
  );
}

function expandRange(part: string, isRow: boolean, whole: string): string[] {
  const range = /^([A-Za-z]{1,2}|\d{1,3})(?:\s*-\s*([A-Za-z]{1,2}|\d{1,3}))?$/.exec(part);
  const bad = () =>
    new WellFilterError(
      `'${whole}': '${part}' is not a ${isRow ? "row letter or range like 'A' or 'A-C'" : "column number or range like '3' or '01-06'"}`
    );
  if (!range) throw bad();
  const [from, to = range[1]] = [range[1], range[2]];
  if (isRow) {
    if (!/^[A-Za-z]+$/.test(from) || !/^[A-Za-z]+$/.test(to)) throw bad();
    const a = rowIndex(from);
    const b = rowIndex(to);
    if (b < a) throw new WellFilterError(`'${whole}': row range '${part}' runs backwards`);
    return Array.from({ length: b - a + 1 }, (_, i) => rowName(a + i));
  }
  if (!/^\d+$/.test(from) || !/^\d+$/.test(to)) throw bad();
  const a = Number.parseInt(from, 10);
  const b = Number.parseInt(to, 10);
  if (a < 1 || b < a)
    throw new WellFilterError(`'${whole}': column range '${part}' must run from 1 upwards`);
  return Array.from({ length: b - a + 1 }, (_, i) => String(a + i));
}

/** A → 0, Z → 25, AA → 26 (plate order of compareWells). */
function rowIndex(row: string): number {
  const r = row.toUpperCase();
  return r.length === 1
    ? r.charCodeAt(0) - 65
    : 26 + (r.charCodeAt(0) - 65) * 26 + (r.charCodeAt(1) - 65);
}

function rowName(index: number): string {
  if (index < 26) return String.fromCharCode(65 + index);
  const i = index - 26;
  return String.fromCharCode(65 + Math.floor(i / 26)) + String.fromCharCode(65 + (i % 26));
}

function summarize(wells: string[]): string {
  return wells.length <= 8
    ? wells.join(', ')
    : `${wells.slice(0, 4).join(', ')}, … ${wells[wells.length - 1]} (${wells.length})`;
}
