/**
 * `plateMap(result)`: a run's per-well measurements as a notebook output, a plate map (heatmap
 * of one measurement laid out as the plate; a click opens the well in the docked viewer) and
 * the summary table. Returned as an object Deno's Jupyter kernel displays (its
 * `Symbol.for('Jupyter.display')` method gives the MIME bundle), so a cell can end with it.
 */
import { PLATE_MAP_MIME_TYPE, rowName, wellPosition, type PlateMap } from '../../protocol/index.js';
import type { RunResult } from '../run/run-result.js';

export interface PlateMapOptions {
  /** The measuring step; default the first step with a per-well table. */
  step?: string;
  /** The per-well column to colour by; default 'objects' (objects per well). */
  measurement?: string;
  title?: string;
}

export interface PlateMapOutput {
  map: PlateMap;
  bundle: Record<string, unknown>;
  [key: symbol]: () => Record<string, unknown>;
}

/** The plate map of a run result; throws naming the steps and columns there are. */
export function plateMap(result: RunResult, options: PlateMapOptions = {}): PlateMapOutput {
  const perWell = result.tables.filter(t => t.kind === 'wells');
  const table = options.step ? perWell.find(t => t.step === options.step) : perWell[0];
  if (!table)
    throw new Error(
      `plateMap: ${options.step ? `step '${options.step}' has` : 'the run has'} no per-well table; ` +
        `steps with one: ${perWell.map(t => t.step).join(', ') || 'none (no step returned a table)'}`
    );
  const measurement = options.measurement ?? 'objects';
  if (!table.columns.includes(measurement))
    throw new Error(
      `plateMap: the table of step '${table.step}' has no column '${measurement}'; columns: ${table.columns.slice(1).join(', ')}`
    );
  let rows = 8;
  let columns = 12;
  for (const row of table.rows) {
    const at = wellPosition(String(row[0]));
    if (!at) continue;
    // 96 → 384 → 1536 as the wells need.
    while (at[0] >= rows || at[1] >= columns) [rows, columns] = [rows * 2, columns * 2];
  }
  const port = Object.keys(result.stream.byVisualizer)
    .map(k => Number(k.split(':')[1]))
    .find(p => Number.isInteger(p) && p > 0);
  const map: PlateMap = {
    title: options.title ?? `${table.step}: ${measurement} per well`,
    measurement,
    port: port ?? null,
    rows,
    columns,
    table: { columns: table.columns, rows: table.rows }
  };
  const bundle = { [PLATE_MAP_MIME_TYPE]: map, 'text/html': html(map) };
  return { map, bundle, [Symbol.for('Jupyter.display')]: () => bundle };
}

const escape = (s: string) =>
  s.replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The fallback for other frontends: the map as a table of numbers. */
function html(map: PlateMap): string {
  const col = map.table.columns.indexOf(map.measurement);
  const values = new Map(map.table.rows.map(r => [String(r[0]), r[col]]));
  const head = Array.from({ length: map.columns }, (_, c) => `<th>${c + 1}</th>`).join('');
  const body = Array.from({ length: map.rows }, (_, r) => {
    const cells = Array.from({ length: map.columns }, (_, c) => {
      const name = `${rowName(r)}${String(c + 1).padStart(2, '0')}`;
      const v = values.get(name);
      return `<td>${v === undefined || v === null ? '' : escape(String(typeof v === 'number' ? +v.toFixed(2) : v))}</td>`;
    }).join('');
    return `<tr><th>${rowName(r)}</th>${cells}</tr>`;
  }).join('');
  return `<b>${escape(map.title)}</b><table><tr><th></th>${head}</tr>${body}</table>`;
}
