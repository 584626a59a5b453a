/**
 * Plate-level bookkeeping of the zarr backend: registering a field in its well and plate, and
 * one (t, c, z) extent for every field of the plate. ome-zarr (napari's reader) tiles a plate's
 * fields into one array and refuses fields of different shapes, so when one field needs more
 * timepoints, channels or z planes, all fields grow with it (only their array metadata is
 * rewritten: chunks never move). The extent is kept in the plate's attributes under our key;
 * it changes a few times per plate (while the first well is written), so the scan over all
 * fields it needs then is cheap, and a save that fits writes no metadata at all.
 */
import path from 'node:path';
import type { Dtype } from '../../../protocol/index.js';
import type { ZarrStore } from './zarr-store.js';
import type { ArrayMeta } from './zarr-dialect.js';
import {
  NAMES_KEY,
  addField,
  addWell,
  emptyPlateAttrs,
  emptyWellAttrs,
  type PlateAttrs,
  type WellAttrs
} from './ome-zarr-layout.js';

/** A field to size: `A/01/0`, its well `A/01`, and the pixels its planes hold. */
export interface FieldSpec {
  dir: string;
  wellPath: string;
  field: number;
  dtype: Dtype;
  ny: number;
  nx: number;
}

type PlateWithExtent = PlateAttrs & { [NAMES_KEY]?: { tcz?: number[] } };

/**
 * Makes the field at least `needed` = [t, c, z] long (registering it first when `isNew`), grows
 * every other field to the same extent, and returns the field's array metadata.
 */
export async function sizeField(
  store: ZarrStore,
  spec: FieldSpec,
  needed: number[],
  isNew: boolean
): Promise<ArrayMeta> {
  const { ngff } = store.dialect;
  const name = path.basename(store.root, '.zarr');
  const plate: PlateWithExtent =
    ((await store.readGroup('')) as PlateWithExtent | null) ?? emptyPlateAttrs(name, ngff);
  if (!plate.plate) Object.assign(plate, emptyPlateAttrs(name, ngff));
  const before = JSON.stringify(plate);
  if (isNew) await register(store, plate, spec);

  const extent = plate[NAMES_KEY]?.tcz ?? (await scanExtent(store, plate, spec.dir));
  const target = extent.map((n, i) => Math.max(n, needed[i]));
  if (target.some((n, i) => n > extent[i])) {
    for (const dir of await fieldDirs(store, plate)) {
      if (dir === spec.dir) continue;
      const meta = await store.readMeta(dir);
      if (!meta || meta.shape.slice(0, 3).every((n, i) => n === target[i])) continue;
      await store.writeMeta(dir, { ...meta, shape: [...target, ...meta.shape.slice(3)] });
      store.forget(dir);
    }
  }
  const meta = { shape: [...target, spec.ny, spec.nx], dtype: spec.dtype };
  await store.writeMeta(spec.dir, meta);
  plate[NAMES_KEY] = { tcz: target };
  if (JSON.stringify(plate) !== before) await store.writeAttrs('', plate);
  return meta;
}

/** Adds the field to its well and the well to the plate; writes the groups and the well. */
async function register(store: ZarrStore, plate: PlateAttrs, spec: FieldSpec): Promise<void> {
  const { ngff } = store.dialect;
  const [row, column] = spec.wellPath.split('/');
  const well = ((await store.readGroup(spec.wellPath)) as WellAttrs | null) ?? emptyWellAttrs(ngff);
  if (!well.well) Object.assign(well, emptyWellAttrs(ngff));
  const before = JSON.stringify(well);
  addWell(plate, row, column);
  addField(well, spec.field);
  plate.plate.field_count = Math.max(plate.plate.field_count, well.well.images.length);
  for (const group of ['', row, spec.wellPath, spec.dir]) await store.ensureGroup(group);
  if (JSON.stringify(well) !== before) await store.writeAttrs(spec.wellPath, well);
}

/** Every field listed by the plate's wells: `A/01/0`, … */
async function fieldDirs(store: ZarrStore, plate: PlateAttrs): Promise<string[]> {
  const dirs: string[] = [];
  for (const well of plate.plate.wells) {
    const attrs = (await store.readGroup(well.path)) as WellAttrs | null;
    for (const image of attrs?.well?.images ?? []) dirs.push(`${well.path}/${image.path}`);
  }
  return dirs;
}

/** The largest (t, c, z) of the plate's fields, for stores written before the extent was kept. */
async function scanExtent(store: ZarrStore, plate: PlateAttrs, skip: string): Promise<number[]> {
  const extent = [0, 0, 0];
  for (const dir of await fieldDirs(store, plate)) {
    if (dir === skip) continue;
    const meta = await store.readMeta(dir);
    meta?.shape.slice(0, 3).forEach((n, i) => (extent[i] = Math.max(extent[i], n)));
  }
  return extent;
}
