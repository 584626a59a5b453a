/**
 * The pixels of an OME-Zarr plate (ome-zarr-plate.ts lists it): a plane is read when asked,
 * chunk by chunk through zarrita (any chunking and the usual codecs: zstd, blosc, gzip…), at
 * level 0 or at a stored level of the field's multiscales. Arrays are opened once and kept.
 * Loads no TIFF or itk-wasm code: a plate source opening an OME-Zarr starts faster (issue 17).
 */
import * as zarr from 'zarrita';
import type FileSystemStore from '@zarrita/storage/fs';
import { DTYPES, type Dtype } from '../../protocol/dtype.js';
import type { NdArray } from '../model/image-data.js';
import type { PlatePixels } from './plate.js';

/**
 * A plane: where its field's array is and the index of each of the array's axes but y, x; the
 * arrays of the field's lower levels (multiscales datasets 1…), in order.
 */
export interface PlaneRef {
  array: string;
  index: number[];
  levels: string[];
  /** The shape the listing assumed for `array` (the plate's first field's). */
  shape: number[];
}

export async function openArray(
  store: zarr.Location<FileSystemStore>,
  root: string,
  arrayPath: string
): Promise<zarr.Array<zarr.DataType, FileSystemStore>> {
  return zarr.open(store.resolve(arrayPath), { kind: 'array' }).catch(cause => {
    throw new Error(
      `OME-Zarr plate '${root}': cannot open the array ${arrayPath}: ${(cause as Error).message}`,
      { cause }
    );
  });
}

/** A plane's full-resolution array, checked against the layout the listing assumed. */
async function openField(
  store: zarr.Location<FileSystemStore>,
  root: string,
  ref: PlaneRef
): Promise<zarr.Array<zarr.DataType, FileSystemStore>> {
  const array = await openArray(store, root, ref.array);
  if (array.shape.join(',') !== ref.shape.join(','))
    throw new Error(
      `OME-Zarr plate '${root}': array ${ref.array} has shape [${array.shape.join(', ')}], ` +
        `the plate's first field [${ref.shape.join(', ')}]; the fields of one plate must share ` +
        'their shape and axes (rewrite the odd field, or open it as a plate of its own)'
    );
  return array;
}

/**
 * The stored levels of a plane (level 0 and the multiscales datasets below it whose leading
 * axes match level 0's, so the plane's index means the same plane there), and reading one.
 */
export function planeLevels(
  store: zarr.Location<FileSystemStore>,
  root: string,
  refs: Map<string, PlaneRef>
): Required<Pick<PlatePixels, 'levels' | 'loadLevel'>> {
  const arrays = new Map<string, Promise<zarr.Array<zarr.DataType, FileSystemStore>>>();
  const open = (at: string, field?: PlaneRef) => {
    let opening = arrays.get(at);
    if (!opening) {
      opening = field
        ? openField(store, root, field)
        : zarr.open(store.resolve(at), { kind: 'array' });
      arrays.set(at, opening);
    }
    return opening;
  };
  const refOf = (p: string) => {
    const ref = refs.get(p);
    if (!ref) throw new Error(`OME-Zarr plate '${root}' has no image '${p}'`);
    return ref;
  };
  const usable = async (ref: PlaneRef) => {
    const full = await open(ref.array, ref);
    const lead = full.shape.slice(0, -2).join(',');
    const out = [full];
    for (const at of ref.levels) {
      const level = await open(at).catch(() => null);
      if (!level || level.shape.slice(0, -2).join(',') !== lead) break;
      out.push(level);
    }
    return out;
  };
  return {
    levels: async p => {
      const arrays = await usable(refOf(p));
      return {
        dtype: arrays[0].dtype as string,
        shapes: arrays.map(a => a.shape.slice(-2) as [number, number])
      };
    },
    // Only the level asked is opened: opening every level of each field (`usable`) cost a
    // 384-well grid 3,840 metadata reads, 5.5 s at load ~20 (issue 17, open speed).
    loadLevel: async (p, level) => {
      const ref = refOf(p);
      if (level === 0) return readPlane(await open(ref.array, ref), ref.index, root, p);
      const at = ref.levels[level - 1];
      const array = at === undefined ? undefined : await open(at).catch(() => undefined);
      const lead = (shape: readonly number[]) => shape.slice(0, -2).join(',');
      if (array && lead(array.shape) === lead(ref.shape))
        return readPlane(array, ref.index, root, p);
      await open(ref.array, ref); // a field unlike the first is named as such
      throw new Error(
        `OME-Zarr plate '${root}': image '${p}' has no stored level ${level}` +
          (at === undefined
            ? ` (its multiscales list ${ref.levels.length + 1} level(s))`
            : ` (${at} is missing or holds other planes than level 0)`)
      );
    }
  };
}

export async function loadPlanes(
  store: zarr.Location<FileSystemStore>,
  root: string,
  refs: Map<string, PlaneRef>,
  paths: readonly string[]
): Promise<NdArray[]> {
  const arrays = new Map<string, Promise<zarr.Array<zarr.DataType, FileSystemStore>>>();
  const out: NdArray[] = [];
  for (const p of paths) {
    const ref = refs.get(p);
    if (!ref) throw new Error(`OME-Zarr plate '${root}' has no image '${p}'`);
    let opening = arrays.get(ref.array);
    if (!opening) {
      opening = openField(store, root, ref);
      arrays.set(ref.array, opening);
    }
    out.push(await readPlane(await opening, ref.index, root, p));
  }
  return out;
}

/** One [y, x] plane of `array` at the leading `index`. */
async function readPlane(
  array: zarr.Array<zarr.DataType, FileSystemStore>,
  index: number[],
  root: string,
  p: string
): Promise<NdArray> {
  const dtype = array.dtype as string;
  if (!DTYPES.includes(dtype as Dtype)) {
    throw new Error(
      `OME-Zarr plate '${root}': array ${array.path} holds ${dtype} pixels; supported are ${DTYPES.join(', ')}`
    );
  }
  const [ny, nx] = array.shape.slice(-2);
  const chunk = await planeChunk(array, index, ny, nx).catch(cause => {
    throw new Error(
      `OME-Zarr plate '${root}': reading ${p} failed: ${(cause as Error).message} (a chunk is damaged or uses an unsupported codec)`,
      { cause }
    );
  });
  const data = chunk.data as NdArray['data'];
  if (data.length !== ny * nx)
    throw new Error(
      `OME-Zarr plate '${root}': reading ${p} gave ${data.length} pixels, not ${ny} × ${nx}`
    );
  return { data, shape: [ny, nx], dtype: dtype as Dtype };
}

/**
 * The plane at the leading `index` when one chunk holds exactly it (a pyramid's lower levels,
 * a plate grid's reads): that chunk as decoded, without zarrita's indexing and the copy into
 * a new array (one in ~5 of a grid read's CPU). Any other layout goes through `zarr.get`.
 */
async function planeChunk(
  array: zarr.Array<zarr.DataType, FileSystemStore>,
  index: number[],
  ny: number,
  nx: number
): Promise<{ data: unknown }> {
  const chunks = array.chunks;
  const whole =
    chunks.length === index.length + 2 &&
    chunks.slice(0, -2).every(c => c === 1) &&
    chunks[chunks.length - 2] === ny &&
    chunks[chunks.length - 1] === nx;
  if (whole) {
    const chunk = await array.getChunk([...index, 0, 0]);
    const stride = chunk.stride;
    if (stride[stride.length - 1] === 1 && stride[stride.length - 2] === nx) return chunk;
  }
  return zarr.get(array, [...index, null, null]);
}
