/**
 * OME-Zarr HCS plates (NGFF 0.4 on zarr v2, 0.5 on zarr v3; written by ome-zarr-py, OpenHCS or
 * our zarr backend). Reading the plate reads the plate's and wells' metadata and the first
 * field's (the layout every field shares; one that differs is named when read); a plane is
 * read when the orchestrator asks for it, chunk by chunk through zarrita (any chunking and the
 * usual codecs: zstd, blosc, gzip…). Each (t, c, z) of a field's full-resolution array is one
 * plate image: site = field + 1, channel = c + 1, z_index = z + 1, timepoint = t + 1 (an axis the
 * array lacks leaves its component null). Channel names come from `omero.channels[].label`, the
 * pixel size from the full-resolution level's `scale` (and the multiscale's) with the axes' unit.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as zarr from 'zarrita';
import type { PixelSize, Plate, PlateImage } from './plate.js';
import { SyncFileStore } from './ome-zarr-store.js';
import { loadPlanes, openArray, planeLevels, type PlaneRef } from './ome-zarr-pixels.js';
import { sortPlateImages, wellsOf } from './plate-images.js';

interface Axis {
  name: string;
  type?: string;
  unit?: string;
}
interface Transform {
  type: string;
  scale?: number[];
}
interface Multiscale {
  axes?: (Axis | string)[];
  datasets: { path: string; coordinateTransformations?: Transform[] }[];
  coordinateTransformations?: Transform[];
}
type Attrs = Record<string, unknown>;

export async function readOmeZarrPlate(root: string): Promise<Plate> {
  const store = zarr.root(new SyncFileStore(root));
  const plateAttrs = await groupAttrs(store, '', root);
  const plate = plateAttrs.plate as { wells?: { path: string }[]; name?: string } | undefined;
  if (!plate?.wells) {
    throw new Error(
      `'${root}' is a zarr group but not an OME-Zarr plate (no "plate" attributes with wells); ` +
        'pass the plate store (the folder whose metadata lists the wells)'
    );
  }
  // Wells' metadata are read concurrently (one at a time, the latency of each read adds up);
  // the fields' layout only once, from the plate's first field: fields of one plate share it
  // (NGFF HCS), and reading every field's metadata (~7,000 files for 384 wells × 9 fields)
  // took 2.4 s. A field that differs is named when its pixels are read (openField).
  const wells = await mapBounded(plate.wells, METADATA_READS, async well => ({
    path: well.path,
    name: wellNameOf(well.path, root),
    fields: await fieldsOf(store, root, well.path)
  }));
  const first = wells.find(w => w.fields.length > 0);
  const layout = first && (await readLayout(store, root, `${first.path}/${first.fields[0]}`));
  const images: PlateImage[] = [];
  const refs = new Map<string, PlaneRef>();
  const channelNames: Record<string, string> = {};
  layout?.labels?.forEach((ch, i) => {
    if (ch.label) channelNames[String(i + 1)] = ch.label;
  });
  for (const well of wells) {
    for (const [f, field] of well.fields.entries()) {
      for (const image of fieldImages(layout!, root, `${well.path}/${field}`, well.name, f + 1)) {
        refs.set(image.image.path, image.ref);
        images.push(image.image);
      }
    }
  }
  const sorted = sortPlateImages(root, images);
  return {
    root,
    name: plate.name ?? path.basename(root, '.zarr'),
    format: 'ome-zarr',
    wells: wellsOf(sorted),
    images: sorted,
    channelNames,
    pixelSize: layout?.pixelSize ?? null,
    pixels: {
      load: paths => loadPlanes(store, root, refs, paths),
      ...planeLevels(store, root, refs)
    }
  };
}

/** How many wells' metadata are read at once. */
const METADATA_READS = 16;

/** What the plate's first field says of every field of the plate. */
interface FieldLayout {
  /** Multiscales dataset paths, full resolution first. */
  datasets: string[];
  /** The full-resolution array's shape. */
  shape: number[];
  axes: Axis[];
  labels: { label?: string }[] | undefined;
  pixelSize: PixelSize | null;
}

/** A well's field paths (its `well.images`). */
async function fieldsOf(
  store: zarr.Location<SyncFileStore>,
  root: string,
  wellPath: string
): Promise<string[]> {
  const attrs = await groupAttrs(store, wellPath, root);
  const fields = (attrs.well as { images?: { path: string }[] } | undefined)?.images ?? [];
  return fields.map(f => f.path);
}

async function readLayout(
  store: zarr.Location<SyncFileStore>,
  root: string,
  fieldPath: string
): Promise<FieldLayout> {
  const attrs = await groupAttrs(store, fieldPath, root);
  const multiscale = (attrs.multiscales as Multiscale[] | undefined)?.[0];
  if (!multiscale?.datasets?.length) {
    throw new Error(
      `OME-Zarr plate '${root}': field ${fieldPath} has no multiscales datasets; the store is incomplete or damaged`
    );
  }
  const array = await openArray(store, root, `${fieldPath}/${multiscale.datasets[0].path}`);
  const axes = axesOf(multiscale, array.shape.length);
  return {
    datasets: multiscale.datasets.map(d => d.path),
    shape: array.shape,
    axes,
    labels: (attrs.omero as { channels?: { label?: string }[] } | undefined)?.channels,
    pixelSize: pixelSizeOf(multiscale, axes)
  };
}

/** A field's planes as plate images, laid out as `layout` says (nothing is read). */
function fieldImages(
  layout: FieldLayout,
  root: string,
  fieldPath: string,
  well: string,
  site: number
): { image: PlateImage; ref: PlaneRef }[] {
  const arrayPath = `${fieldPath}/${layout.datasets[0]}`;
  const levels = layout.datasets.slice(1).map(d => `${fieldPath}/${d}`);
  const arrayFile = path.join(root, arrayPath);
  const lead = layout.axes.slice(0, -2);
  const images: { image: PlateImage; ref: PlaneRef }[] = [];
  for (const index of planeIndices(layout.shape.slice(0, -2))) {
    const at = (name: string) => {
      const i = lead.findIndex(a => a.name === name);
      return i < 0 ? null : index[i] + 1;
    };
    const label = lead.map((a, i) => `${a.name} ${index[i] + 1}`).join(', ');
    images.push({
      image: {
        path: `${arrayFile} [${label}]`,
        well,
        site,
        channel: at('c'),
        z_index: at('z'),
        timepoint: at('t')
      },
      ref: { array: arrayPath, index, levels, shape: layout.shape }
    });
  }
  return images;
}

/** `fn` over `items`, at most `limit` at a time; results in the items' order. */
async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A group's attributes, NGFF 0.5's `ome` folded in as 0.4 has them at the top. */
async function groupAttrs(
  store: zarr.Location<SyncFileStore>,
  at: string,
  root: string
): Promise<Attrs> {
  const fast = readGroupAttrs(root, at);
  if (fast) return foldOme(fast);
  const group = await zarr.open(at ? store.resolve(at) : store, { kind: 'group' }).catch(cause => {
    throw new Error(
      `OME-Zarr plate '${root}': ${at || 'the store'} is not a zarr group (${(cause as Error).message}); the store is incomplete or damaged`,
      { cause }
    );
  });
  return foldOme(group.attrs as Attrs);
}

function foldOme(attrs: Attrs): Attrs {
  const ome = attrs.ome as Attrs | undefined;
  return ome ? { ...attrs, ...ome } : attrs;
}

/**
 * A group's attributes read straight from its metadata files (v2: .zgroup and .zattrs; v3:
 * zarr.json), synchronously: a 384-well plate's wells take 56–89 ms this way against
 * 235–258 ms through zarrita's asynchronous store, 16 at a time (load ~25; issue 17, open
 * speed). Null when they are missing or not JSON: zarrita then reads it and says what is wrong.
 */
function readGroupAttrs(root: string, at: string): Attrs | null {
  // undefined: no such file; null: not JSON (zarrita then reports it)
  const json = (file: string): Attrs | null | undefined => {
    let text: string;
    try {
      text = readFileSync(path.join(root, at, file), 'utf8');
    } catch {
      return undefined;
    }
    try {
      return JSON.parse(text) as Attrs;
    } catch {
      return null;
    }
  };
  if (json('.zgroup')?.zarr_format === 2) {
    const attrs = json('.zattrs');
    return attrs === undefined ? {} : attrs;
  }
  const v3 = json('zarr.json');
  return v3?.zarr_format === 3 && v3.node_type === 'group'
    ? ((v3.attributes as Attrs) ?? {})
    : null;
}

/** NGFF 0.4+ axes are objects; 0.3 had names; older stores had none (then t, c, z, y, x). */
function axesOf(multiscale: Multiscale, rank: number): Axis[] {
  const axes = (multiscale.axes ?? ['t', 'c', 'z', 'y', 'x'].slice(5 - rank)).map(a =>
    typeof a === 'string' ? { name: a } : a
  );
  if (axes.length !== rank) {
    throw new Error(`multiscales names ${axes.length} axes but the array has ${rank} dimensions`);
  }
  return axes;
}

/** Physical x/y pixel size of the full-resolution level; null without a length unit. */
function pixelSizeOf(multiscale: Multiscale, axes: Axis[]): PixelSize | null {
  const scale = axes.map(() => 1);
  for (const t of [
    ...(multiscale.datasets[0].coordinateTransformations ?? []),
    ...(multiscale.coordinateTransformations ?? [])
  ]) {
    if (t.type === 'scale' && t.scale?.length === axes.length)
      t.scale.forEach((s, i) => (scale[i] *= s));
  }
  const [y, x] = [axes.length - 2, axes.length - 1];
  const unit = axes[x].unit ?? axes[y].unit;
  if (!unit || !(scale[x] > 0) || !(scale[y] > 0)) return null;
  return { x: scale[x], y: scale[y], unit };
}

/** Every index of the leading (non-y, x) dimensions, C order. */
function* planeIndices(shape: readonly number[]): Generator<number[]> {
  const count = shape.reduce((a, b) => a * b, 1);
  for (let k = 0; k < count; k++) {
    const index: number[] = [];
    let rest = k;
    for (let d = shape.length - 1; d >= 0; d--) {
      index.unshift(rest % shape[d]);
      rest = Math.floor(rest / shape[d]);
    }
    yield index;
  }
}

/** `A/1`, `A/01` → `A01`. */
function wellNameOf(wellPath: string, root: string): string {
  const m = /^([A-Za-z]{1,2})\/(\d{1,3})$/.exec(wellPath);
  if (!m) {
    throw new Error(
      `OME-Zarr plate '${root}': well path '${wellPath}' is not <row letters>/<column number>`
    );
  }
  return `${m[1].toUpperCase()}${m[2].padStart(2, '0')}`;
}
