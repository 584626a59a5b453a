/**
 * The measurement tables of a run: rows that step functions hand back (one per object) are
 * gathered per step, prefixed with where they came from (well, site, channel, z, timepoint),
 * kept only for wells that succeeded, and written per plate as CSV and Parquet
 * (hyparquet-writer) into `<output_dir>/tables/`, with a per-well summary beside each.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ComponentValue } from '../../protocol/index.js';
import type { MeasurementTable, TableValue } from '../model/measurement-table.js';
import { PLANE_COMPONENTS, type PlaneComponent } from '../model/step.js';

/** A written table, as the run result reports it. */
export interface RunTable {
  step: string;
  /** 'objects': one row per object; 'wells': one row per well (the summary). */
  kind: 'objects' | 'wells';
  columns: string[];
  rows: (TableValue | null)[][];
  csv: string;
  parquet: string;
}

const PREFIX = ['well', ...PLANE_COMPONENTS] as const;
/** Columns of an object table that make no sense averaged per well. */
const NOT_AVERAGED = new Set(['label', 'centroid_y', 'centroid_x']);

interface StepRows {
  columns: string[] | null;
  rows: (TableValue | null)[][];
  /** Wells in which the step ran, also those without a row (0 objects). */
  wells: string[];
}

/** A well's rows until the well is known to have succeeded. */
export class WellTables {
  readonly byStep = new Map<string, { columns: string[]; rows: (TableValue | null)[][] }[]>();
  readonly stepsRun = new Set<string>();

  constructor(readonly well: string) {}

  add(
    step: string,
    group: Partial<Record<PlaneComponent, ComponentValue>>,
    table: MeasurementTable | undefined
  ): void {
    this.stepsRun.add(step);
    if (!table) return;
    const prefix = [this.well, ...PLANE_COMPONENTS.map(c => group[c] ?? null)];
    const rows = table.rows.map(r => [...prefix, ...r]);
    const list = this.byStep.get(step) ?? [];
    list.push({ columns: [...PREFIX, ...table.columns], rows });
    this.byStep.set(step, list);
  }
}

export class TableCollector {
  private readonly steps = new Map<string, StepRows>();

  constructor(private readonly stepOrder: readonly string[]) {}

  /** Keeps a succeeded well's rows. */
  keep(well: WellTables): void {
    for (const step of well.stepsRun) {
      const entry = this.steps.get(step) ?? { columns: null, rows: [], wells: [] };
      entry.wells.push(well.well);
      for (const part of well.byStep.get(step) ?? []) {
        entry.columns ??= part.columns;
        if (part.columns.join('\t') !== entry.columns.join('\t'))
          throw new Error(
            `step '${step}': its tables have different columns in well ${well.well} ` +
              `(${part.columns.join(', ')}) than before (${entry.columns.join(', ')}); ` +
              'a step must return the same columns for every group'
          );
        entry.rows.push(...part.rows);
      }
      this.steps.set(step, entry);
    }
  }

  /** Writes every step's table and its per-well summary; wells in `wellOrder`. */
  async write(outputDir: string, wellOrder: readonly string[]): Promise<RunTable[]> {
    const order = new Map(wellOrder.map((w, i) => [w, i]));
    const written: RunTable[] = [];
    for (const step of this.stepOrder) {
      const entry = this.steps.get(step);
      if (!entry?.columns) continue;
      entry.rows.sort(
        (a, b) => (order.get(a[0] as string) ?? 0) - (order.get(b[0] as string) ?? 0)
      );
      const dir = path.join(outputDir, 'tables');
      await mkdir(dir, { recursive: true });
      const base = path.join(dir, step.replace(/[^A-Za-z0-9._-]/g, '_'));
      const objects = { columns: entry.columns, rows: entry.rows };
      const wells = perWell(
        objects,
        [...entry.wells].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0))
      );
      for (const [kind, table, file] of [
        ['objects', objects, `${base}_objects`],
        ['wells', wells, `${base}_per_well`]
      ] as const) {
        await writeFile(`${file}.csv`, toCsv(table));
        await writeFile(`${file}.parquet`, new Uint8Array(toParquet(table)));
        written.push({ step, kind, ...table, csv: `${file}.csv`, parquet: `${file}.parquet` });
      }
    }
    return written;
  }
}

/** One row per well: its object count and the mean of each measurement over its objects. */
export function perWell(
  objects: { columns: string[]; rows: (TableValue | null)[][] },
  wells: readonly string[]
): { columns: string[]; rows: (TableValue | null)[][] } {
  const measured = objects.columns
    .map((name, index) => ({ name, index }))
    .filter(c => c.index >= PREFIX.length && !NOT_AVERAGED.has(c.name))
    .filter(c => objects.rows.every(r => typeof r[c.index] === 'number'));
  const byWell = new Map<string, (TableValue | null)[][]>(wells.map(w => [w, []]));
  for (const row of objects.rows) byWell.get(row[0] as string)?.push(row);
  const rows = [...byWell].map(([well, rs]) => [
    well,
    rs.length,
    ...measured.map(c =>
      rs.length ? rs.reduce((s, r) => s + (r[c.index] as number), 0) / rs.length : null
    )
  ]);
  return { columns: ['well', 'objects', ...measured.map(c => `${c.name}_mean`)], rows };
}

function toCsv({ columns, rows }: { columns: string[]; rows: (TableValue | null)[][] }): string {
  const cell = (v: TableValue | null) =>
    v === null
      ? ''
      : typeof v === 'number'
        ? String(v)
        : /[",\n]/.test(v)
          ? `"${v.replace(/"/g, '""')}"`
          : v;
  return [columns.map(cell), ...rows.map(r => r.map(cell))].map(r => r.join(',')).join('\n') + '\n';
}

function toParquet({
  columns,
  rows
}: {
  columns: string[];
  rows: (TableValue | null)[][];
}): ArrayBuffer {
  return parquetWriteBuffer({
    columnData: columns.map((name, i) => {
      const values = rows.map(r => r[i]);
      const numeric = values.every(v => v === null || typeof v === 'number');
      return numeric
        ? { name, data: values, type: 'DOUBLE' as const }
        : { name, data: values.map(v => (v === null ? null : String(v))), type: 'STRING' as const };
    })
  });
}
