/**
 * A plate on disk as the viewer shows it (issue 17, "open a plate from disk"): one layer whose
 * stack axes are well, site, channel, z and timepoint, listed by `readPlate` (any format it
 * reads), its planes read one at a time when asked, at a stored level when the plate has them
 * (OME-Zarr multiscales). Nothing is read whole: opening lists the plate and reads one plane's
 * metadata (or, for one-file-per-image formats, its first image, for the shape and dtype).
 * Every file read lies inside the plate folder's real path; a plate whose metadata or a
 * symlink points outside it is refused (what a viewer server may read, docs/security.md).
 */
import { realpathSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { PixelSize } from '../../protocol/index.js';
import type { NdArray } from '../model/image-data.js';
import type { DiskBackend } from '../storage/disk-backend.js';
import type { Plate, PlateFormat, PlateImage } from './plate.js';
import { readPlate, type ReadPlateOptions } from './read-plate.js';

/** Where a plane is on the plate; a component the plate lacks is null. */
export type PlatePosition = Pick<PlateImage, 'well' | 'site' | 'channel' | 'z_index' | 'timepoint'>;
type StackAxis = 'site' | 'channel' | 'z_index' | 'timepoint';
const NUMBER_AXES: StackAxis[] = ['site', 'channel', 'z_index', 'timepoint'];

export interface PlateSourceDescription {
  root: string;
  name: string;
  format: PlateFormat | undefined;
  images: number;
  dtype: string;
  /** [height, width] of a full-resolution plane (the first image's). */
  shape: [number, number];
  /** [height, width] of each level the plate stores, level 0 first; [shape] without levels. */
  levels: [number, number][];
  /** Sorted values of each axis the plate has (wells in plate order); absent axes are left out. */
  axes: { well: string[] } & Partial<Record<StackAxis, number[]>>;
  channelNames: Record<string, string>;
  pixelSize: PixelSize | null;
}

export class PlateSource {
  private readonly byPosition = new Map<string, PlateImage>();

  private constructor(
    private readonly plate: Plate,
    private readonly realRoot: string,
    readonly description: PlateSourceDescription
  ) {
    for (const image of plate.images) this.byPosition.set(keyOf(image), image);
  }

  /** Lists the plate at `dir` (readPlate) and reads one plane's metadata. */
  static async open(dir: string, options: ReadPlateOptions = {}): Promise<PlateSource> {
    const plate = await readPlate(dir, options);
    const first = plate.images[0];
    if (!first) throw new Error(`Plate folder '${plate.root}' holds no images to show`);
    const realRoot = await realpath(plate.root);
    const axes: PlateSourceDescription['axes'] = { well: plate.wells };
    for (const axis of NUMBER_AXES) {
      const values = new Set<number>();
      for (const image of plate.images) if (image[axis] !== null) values.add(image[axis]);
      if (values.size > 0) axes[axis] = [...values].sort((a, b) => a - b);
    }
    let dtype: string;
    let levels: [number, number][];
    if (plate.pixels?.levels) {
      ({ dtype, shapes: levels } = await plate.pixels.levels(first.path));
    } else {
      const plane = await readImage(plate, realRoot, first, 0);
      dtype = plane.dtype;
      levels = [[plane.shape[0], plane.shape[1]]];
    }
    return new PlateSource(plate, realRoot, {
      root: plate.root,
      name: plate.name,
      format: plate.format,
      images: plate.images.length,
      dtype,
      shape: levels[0],
      levels,
      axes,
      channelNames: plate.channelNames,
      pixelSize: plate.pixelSize ?? null
    });
  }

  /** Every image's position, in the plate's order (a server lays out its layer with them). */
  positions(): PlatePosition[] {
    return this.plate.images.map(({ well, site, channel, z_index, timepoint }) => ({
      well,
      site,
      channel,
      z_index,
      timepoint
    }));
  }

  /**
   * The plane at `at`, at stored level `level` (0: full resolution). Throws naming the plate
   * when it has no image there, or no such level (the caller then bins level 0 itself).
   */
  async plane(at: PlatePosition, level = 0): Promise<NdArray> {
    const image = this.byPosition.get(keyOf(at));
    if (!image)
      throw new Error(
        `Plate '${this.plate.root}' has no image at well ${at.well}, site ${at.site}, channel ${at.channel}, z ${at.z_index}, timepoint ${at.timepoint}`
      );
    const levels = this.description.levels.length;
    if (!Number.isInteger(level) || level < 0 || level >= levels)
      throw new Error(
        `Plate '${this.plate.root}' stores ${levels} level(s) (0–${levels - 1}); level ${level} asked`
      );
    return readImage(this.plate, this.realRoot, image, level);
  }
}

// Loaded for one-file-per-image plates only: it brings the TIFF decoders and itk-wasm.
let disk: Promise<DiskBackend> | undefined;
const diskBackend = () =>
  (disk ??= import('../storage/disk-backend.js').then(m => new m.DiskBackend()));

/** One image of `plate` at a stored level, from files inside its folder only. */
async function readImage(
  plate: Plate,
  realRoot: string,
  image: PlateImage,
  level: number
): Promise<NdArray> {
  const pixels = plate.pixels;
  if (!pixels) return (await diskBackend()).load(await inside(plate.root, realRoot, image.path));
  // A plane of a store (`…/A/1/0/0 [t 1, c 2]`): its array's folder must be inside too.
  await inside(plate.root, realRoot, image.path.replace(/ \[[^\]]*\]$/, ''));
  if (level === 0) return (await pixels.load([image.path]))[0];
  if (!pixels.loadLevel) throw new Error(`Plate '${plate.root}' stores no levels`);
  return pixels.loadLevel(image.path, level);
}

/**
 * `file` with symlinks resolved, refused unless it lies inside the plate folder. Checked on
 * every read, synchronously: the thread pool's realpath cost a 384-well grid 0.45 s of 1,536
 * reads, the system call alone ~15 µs each (issue 17, open speed).
 */
async function inside(root: string, realRoot: string, file: string): Promise<string> {
  let real: string;
  try {
    real = realpathSync.native(file);
  } catch (e) {
    throw new Error(`Plate '${root}': cannot read '${file}': ${(e as Error).message}`);
  }
  const rel = path.relative(realRoot, real);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel))
    throw new Error(
      `Plate '${root}': '${file}' lies outside the plate folder (${real}); ` +
        'only files inside the folder opened are read'
    );
  return real;
}

function keyOf(p: PlatePosition): string {
  return `${p.well}|${p.site}|${p.channel}|${p.z_index}|${p.timepoint}`;
}
