/**
 * A notebook output of a run's per-well measurements: a plate map (a heatmap of one
 * measurement laid out as the plate) and the summary table. The runtime's notebook helper
 * `plateMap(result)` emits it; the JupyterLab extension renders it, and a click on a well
 * opens that well in the docked viewer of `port`. Other frontends show the text/html fallback.
 */
import { z } from 'zod';

export const PLATE_MAP_MIME_TYPE = 'application/vnd.jupyterlab-pipeline-viewer.plate-map+json';

export const PlateMapSchema = z.object({
  title: z.string(),
  /** The column of `table` the colours show, e.g. 'objects' (nuclei per well). */
  measurement: z.string(),
  /** Data port of the viewer that shows the run's images, or null when none streamed. */
  port: z.number().int().min(1).max(65535).nullable(),
  /** Plate size in wells: 8 × 12 for 96, 16 × 24 for 384; grown to fit the wells named. */
  rows: z.number().int().min(1).max(64),
  columns: z.number().int().min(1).max(128),
  /** The per-well table: column names, then one row per well, the well name first. */
  table: z.object({
    columns: z.array(z.string()),
    rows: z.array(z.array(z.union([z.number(), z.string(), z.null()])))
  })
});
export type PlateMap = z.infer<typeof PlateMapSchema>;

/** Row letters and column number of a well name (`B07` → [1, 6]), or null. */
export function wellPosition(well: string): [number, number] | null {
  const m = /^([A-Za-z]{1,2})0*(\d{1,3})$/.exec(well);
  if (!m) return null;
  const letters = m[1].toUpperCase();
  const row =
    letters.length === 1
      ? letters.charCodeAt(0) - 65
      : 26 * (letters.charCodeAt(0) - 64) + letters.charCodeAt(1) - 65;
  return [row, Number(m[2]) - 1];
}

/** The name of the row with that index (0 → A, 26 → AA). */
export function rowName(index: number): string {
  return index < 26
    ? String.fromCharCode(65 + index)
    : String.fromCharCode(64 + Math.floor(index / 26)) + String.fromCharCode(65 + (index % 26));
}
