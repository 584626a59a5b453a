/**
 * Renders a plate map output (PLATE_MAP_MIME_TYPE): a heatmap of one per-well measurement laid
 * out as the plate (viridis, empty wells grey), a colour scale, and the per-well table under
 * it. Clicking a well opens (or focuses) the docked viewer of the run's port and moves its
 * well slider to that well.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';
import { interpolateViridis } from 'd3-scale-chromatic';
import {
  PLATE_MAP_MIME_TYPE,
  PlateMapSchema,
  rowName,
  type PlateMap
} from '../protocol/plate-map-display.js';
import { CommandIDs } from './commands.js';
import type { IViewerPanel } from './tokens.js';

/** The grid of a plate map: per plate position its well name and value (null: no value). */
export function plateGrid(map: PlateMap): { well: string; value: number | null }[][] {
  const col = map.table.columns.indexOf(map.measurement);
  const values = new Map(map.table.rows.map(r => [String(r[0]), r[col]]));
  return Array.from({ length: map.rows }, (_, r) =>
    Array.from({ length: map.columns }, (_, c) => {
      const well = `${rowName(r)}${String(c + 1).padStart(2, '0')}`;
      const v = values.get(well);
      return { well, value: typeof v === 'number' && Number.isFinite(v) ? v : null };
    })
  );
}

const format = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(4));

export class PlateMapRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(private readonly commands: CommandRegistry) {
    super();
    this.addClass('jp-PipelineViewerPlateMap');
    this.node.dataset.testid = 'pipeline-viewer-plate-map';
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const parsed = PlateMapSchema.safeParse(model.data[PLATE_MAP_MIME_TYPE]);
    this.node.textContent = '';
    if (!parsed.success) {
      this.node.textContent = `Plate map: unreadable output (${parsed.error.issues[0]?.message ?? 'invalid'})`;
      return;
    }
    const map = parsed.data;
    const grid = plateGrid(map);
    const values = grid.flat().flatMap(c => (c.value === null ? [] : [c.value]));
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const title = document.createElement('div');
    title.className = 'jp-PipelineViewerPlateMap-title';
    title.textContent = `${map.title} (${values.length ? `${format(lo)} – ${format(hi)}` : 'no values'})`;
    const table = document.createElement('table');
    table.className = 'jp-PipelineViewerPlateMap-grid';
    const head = table.insertRow();
    head.insertCell().textContent = '';
    for (let c = 0; c < map.columns; c++) head.insertCell().textContent = String(c + 1);
    for (const [r, row] of grid.entries()) {
      const tr = table.insertRow();
      tr.insertCell().textContent = rowName(r);
      for (const cell of row) {
        const td = tr.insertCell();
        td.dataset.well = cell.well;
        td.style.background =
          cell.value === null
            ? 'var(--jp-layout-color3)'
            : interpolateViridis(hi > lo ? (cell.value - lo) / (hi - lo) : 0.5);
        td.title = `${cell.well}: ${cell.value === null ? 'no value' : format(cell.value)} ${map.measurement}`;
        if (cell.value !== null && map.port !== null) {
          td.style.cursor = 'pointer';
          td.onclick = () => void this.openWell(map.port!, cell.well);
        }
      }
    }
    this.node.append(title, table, this.summary(map));
  }

  /** Opens the viewer of `port` and moves its well axis to `well` (once the axis knows it). */
  private async openWell(port: number, well: string): Promise<void> {
    const panel = (await this.commands.execute(CommandIDs.open, { port })) as IViewerPanel | null;
    const dims = panel?.content.model.dims;
    if (!dims) return;
    const go = () => {
      const axis = dims.axes.find(a => a.name === 'well');
      const i = axis ? axis.values.findIndex(v => String(v) === well) : -1;
      if (i >= 0) dims.setIndex('well', i);
      return i >= 0;
    };
    // A panel just opened has no axes until its first state arrives: retry for up to 10 s.
    for (let tries = 0; !go() && tries < 50; tries++) await new Promise(r => setTimeout(r, 200));
  }

  private summary(map: PlateMap): HTMLElement {
    const table = document.createElement('table');
    table.className = 'jp-PipelineViewerPlateMap-summary';
    const head = table.insertRow();
    for (const c of map.table.columns) head.insertCell().textContent = c;
    for (const row of map.table.rows) {
      const tr = table.insertRow();
      for (const v of row)
        tr.insertCell().textContent = typeof v === 'number' ? format(v) : String(v ?? '');
    }
    const details = document.createElement('details');
    const label = document.createElement('summary');
    label.textContent = `Per-well table (${map.table.rows.length} wells)`;
    details.append(label, table);
    return details;
  }
}

export function plateMapRendererFactory(commands: CommandRegistry): IRenderMime.IRendererFactory {
  return {
    safe: true,
    mimeTypes: [PLATE_MAP_MIME_TYPE],
    defaultRank: 0,
    createRenderer: () => new PlateMapRenderer(commands)
  };
}
