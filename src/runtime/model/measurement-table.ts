/**
 * A table a step function may hand back beside its pixels: one row per object (a nucleus) or
 * per well. Columns and rows are plain data, so a table crosses from a worker thread as is.
 * The orchestrator prefixes each row with where it came from (well, site, channel, z, t).
 */
import type { NdArray } from './image-data.js';

export type TableValue = number | string;

export interface MeasurementTable {
  /** Column names, in order; the orchestrator adds `well` and the group's components first. */
  columns: string[];
  /** One array per row, values in column order. */
  rows: TableValue[][];
}

/** What a step function returns when it measures: its pixels plus the table. */
export type MeasuredArray = NdArray & { table?: MeasurementTable };

/** The table a function result carries, if any (checked, since results come from user code). */
export function tableOf(result: unknown, where: string): MeasurementTable | undefined {
  const table = (result as { table?: unknown } | null)?.table;
  if (table === undefined) return undefined;
  const t = table as MeasurementTable;
  if (!Array.isArray(t?.columns) || !Array.isArray(t.rows))
    throw new TypeError(`${where}: 'table' must be {columns: string[], rows: (number|string)[][]}`);
  for (const [i, row] of t.rows.entries()) {
    if (!Array.isArray(row) || row.length !== t.columns.length)
      throw new TypeError(
        `${where}: table row ${i} has ${Array.isArray(row) ? row.length : 'no'} values for ${t.columns.length} columns`
      );
  }
  return t;
}
