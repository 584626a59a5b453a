/**
 * OME-Zarr metadata of an HCS plate, as the zarr backend writes it (here in NGFF 0.4 / zarr v2
 * files; NGFF 0.5 / zarr v3 puts the same attributes under "ome" in zarr.json: zarr-dialect.ts):
 *
 *   <store>.zarr/            .zgroup, .zattrs {plate: {rows, columns, wells, field_count}}
 *     <row>/<col>/           .zgroup, .zattrs {well: {images: [{path: "<field>"}]}}   e.g. A/01
 *       <field>/             .zgroup, .zattrs {multiscales, omero, jupyterlab_pipeline_viewer}
 *         0/                 .zarray  shape (t, c, z, y, x), one chunk per (y, x) plane
 *
 * Field = site − 1, c = channel − 1, z = z_index − 1, t = timepoint − 1 (ImageXpress counts from
 * 1, zarr from 0); a part missing from a file name counts as 1. Only one resolution level ("0")
 * is written: pyramids are the viewer's job.
 */

import type { PixelSize } from '../../../protocol/index.js';

/** The NGFF versions the zarr backend writes: 0.4 on zarr v2, 0.5 on zarr v3. */
export type NgffVersion = '0.4' | '0.5';
export const NGFF_VERSIONS: readonly NgffVersion[] = ['0.4', '0.5'];

/** Our own attributes in a field group: which file names were saved to which (t, c, z) slot. */
export const NAMES_KEY = 'jupyterlab_pipeline_viewer';

/** A saved file name's place: first plane (t, c, z) and number of z planes (3D saves). */
export interface SlotEntry {
  t: number;
  c: number;
  z: number;
  depth: number;
}

export interface FieldAttrs {
  multiscales: unknown[];
  omero: { name: string; version?: string; channels: OmeroChannel[]; rdefs: { model: string } };
  [NAMES_KEY]: { names: Record<string, SlotEntry> };
}

export interface OmeroChannel {
  label: string;
  color: string;
  active: boolean;
  coefficient: number;
  family: string;
  inverted: boolean;
  window: { min: number; max: number; start: number; end: number };
}

export interface PlateAttrs {
  plate: {
    version: string;
    name: string;
    rows: { name: string }[];
    columns: { name: string }[];
    wells: { path: string; rowIndex: number; columnIndex: number }[];
    field_count: number;
  };
}

export interface WellAttrs {
  well: { version: string; images: { path: string }[] };
}

export function emptyPlateAttrs(name: string, version: NgffVersion): PlateAttrs {
  return { plate: { version, name, rows: [], columns: [], wells: [], field_count: 0 } };
}

/** Adds a well (row letters + column text) keeping rows/columns sorted and indices right. */
export function addWell(attrs: PlateAttrs, row: string, column: string): void {
  const p = attrs.plate;
  const wellPath = `${row}/${column}`;
  if (p.wells.some(w => w.path === wellPath)) return;
  if (!p.rows.some(r => r.name === row)) p.rows.push({ name: row });
  if (!p.columns.some(c => c.name === column)) p.columns.push({ name: column });
  p.rows.sort(
    (a, b) => a.name.length - b.name.length || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  );
  p.columns.sort((a, b) => Number(a.name) - Number(b.name));
  p.wells.push({ path: wellPath, rowIndex: 0, columnIndex: 0 });
  for (const w of p.wells) {
    const [r, c] = w.path.split('/');
    w.rowIndex = p.rows.findIndex(x => x.name === r);
    w.columnIndex = p.columns.findIndex(x => x.name === c);
  }
  p.wells.sort((a, b) => a.rowIndex - b.rowIndex || a.columnIndex - b.columnIndex);
}

export function emptyWellAttrs(version: NgffVersion): WellAttrs {
  return { well: { version, images: [] } };
}

export function addField(attrs: WellAttrs, field: number): void {
  const images = attrs.well.images;
  if (images.some(i => i.path === String(field))) return;
  images.push({ path: String(field) });
  images.sort((a, b) => Number(a.path) - Number(b.path));
}

/**
 * 0.5 dropped the version inside multiscales and omero (it is the "ome" group's). With a pixel
 * size, y and x get its unit and their scale; z and t stay unitless (the plate does not say).
 */
export function emptyFieldAttrs(
  name: string,
  version: NgffVersion,
  pixelSize: PixelSize | null = null
): FieldAttrs {
  const inner = version === '0.4' ? { version } : {};
  const unit = pixelSize ? { unit: pixelSize.unit } : {};
  return {
    multiscales: [
      {
        ...inner,
        name,
        axes: [
          { name: 't', type: 'time' },
          { name: 'c', type: 'channel' },
          { name: 'z', type: 'space' },
          { name: 'y', type: 'space', ...unit },
          { name: 'x', type: 'space', ...unit }
        ],
        datasets: [
          {
            path: '0',
            coordinateTransformations: [
              { type: 'scale', scale: [1, 1, 1, pixelSize?.y ?? 1, pixelSize?.x ?? 1] }
            ]
          }
        ]
      }
    ],
    omero: { name, ...inner, channels: [], rdefs: { model: 'color' } },
    [NAMES_KEY]: { names: {} }
  };
}

const COLORS = ['0000FF', '00FF00', 'FF0000', 'FF00FF', '00FFFF', 'FFFF00', 'FFFFFF'];

/**
 * Makes sure the omero channel list covers channel index `c` and sets its display window to the
 * value range seen so far (`first`: no plane of this channel was written before), so a viewer
 * opening the store gets sensible contrast limits.
 */
export function noteChannel(
  attrs: FieldAttrs,
  c: number,
  label: (c: number) => string,
  dtypeRange: readonly [number, number],
  planeRange: [number, number],
  first: boolean
): void {
  const channels = attrs.omero.channels;
  while (channels.length <= c) {
    const i = channels.length;
    channels.push({
      label: label(i),
      color: COLORS[i % COLORS.length],
      active: true,
      coefficient: 1,
      family: 'linear',
      inverted: false,
      window: { min: dtypeRange[0], max: dtypeRange[1], start: dtypeRange[0], end: dtypeRange[1] }
    });
  }
  const w = channels[c].window;
  w.start = first ? planeRange[0] : Math.min(w.start, planeRange[0]);
  w.end = first ? planeRange[1] : Math.max(w.end, planeRange[1]);
  w.min = Math.min(w.min, w.start);
  w.max = Math.max(w.max, w.end);
}
