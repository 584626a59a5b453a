/** A plate of input images as found on disk (one entry per TIFF file). */

export interface PlateImage {
  /** Absolute path of the file. */
  path: string;
  /** Well name as on the plate, e.g. `A01`. */
  well: string;
  /** Missing parts of a file name are null (OpenHCS mistake 6: never crash on them). */
  site: number | null;
  channel: number | null;
  z_index: number | null;
  timepoint: number | null;
}

export interface Plate {
  /** Folder the plate was read from. */
  root: string;
  name: string;
  /** Wells present, sorted (`A01`, `A02`, … `B01`). */
  wells: string[];
  images: PlateImage[];
  /** Channel number (as string) → name, e.g. `{ "1": "DAPI" }`, from plate metadata when present. */
  channelNames: Record<string, string>;
}
