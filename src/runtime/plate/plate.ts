/**
 * A plate of input images as a reader found it: which images exist (well, site, channel, z,
 * timepoint), what the channels are called, how large a pixel is, and how to read the pixels.
 * Reading a plate lists it and parses its metadata; pixels are read per well, when the
 * orchestrator needs them, so a plate never has to fit in memory.
 */
import type { PixelSize } from '../../protocol/index.js';
import type { NdArray } from '../model/image-data.js';

export type { PixelSize };

/** The formats `readPlate` knows, in the order it tries them. */
export type PlateFormat = 'ome-zarr' | 'harmony' | 'ome-tiff' | 'imagexpress' | 'pattern';

export interface PlateImage {
  /**
   * Where the image is: a file path for one-image-per-file formats (ImageXpress, Harmony, a
   * pattern), else a path naming the plane, unique within the plate (`…/plate.zarr/A/01/0
   * [t 1, c 2, z 1]`, `…/A01.ome.tif [page 3]`): the key `Plate.pixels` reads it by.
   */
  path: string;
  /** Well name as on the plate, e.g. `A01`. */
  well: string;
  /** Missing parts are null (OpenHCS mistake 6: never crash on them). 1-based, as microscopes count. */
  site: number | null;
  channel: number | null;
  z_index: number | null;
  timepoint: number | null;
}

/** Reads plate images that are not whole files: a plane of a zarr array, a page of an OME-TIFF. */
export interface PlatePixels {
  /** The images at these `PlateImage.path`s, in order, each a [y, x] plane. */
  load(paths: readonly string[]): Promise<NdArray[]>;
  /**
   * The resolution levels stored for the image at `path` (OME-Zarr multiscales): each level's
   * [height, width], level 0 the full plane, and the dtype; readers without levels leave it out.
   */
  levels?(path: string): Promise<{ dtype: string; shapes: [number, number][] }>;
  /** The image at `path` at a stored level (an index into `levels(path).shapes`). */
  loadLevel?(path: string, level: number): Promise<NdArray>;
}

export interface Plate {
  /** Folder (or `.zarr` store) the plate was read from. */
  root: string;
  name: string;
  /** Set by `readPlate`; a plate built by hand may leave it out. */
  format?: PlateFormat;
  /** Wells present, sorted (`A01`, `A02`, … `B01`). */
  wells: string[];
  images: PlateImage[];
  /** Channel number (as string) → name, e.g. `{ "1": "DAPI" }`, from plate metadata when present. */
  channelNames: Record<string, string>;
  /** Size of one pixel (x, y) from the plate's metadata; null when the plate does not say. */
  pixelSize?: PixelSize | null;
  /**
   * How pixels are read: null when every image is a whole file, read through the FileManager's
   * disk backend (ImageXpress, Harmony, pattern plates: the fast path); else this reader.
   */
  pixels?: PlatePixels | null;
}
