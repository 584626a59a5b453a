/**
 * The fixture plates of tests/runtime/fixtures/make_plates.py (written by the reference tools:
 * ome-zarr-py, tifffile …) and the manifest it prints: every image's position and pixel sum.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { python } from './python.js';

export interface PlateManifest {
  wells: string[];
  channelNames: Record<string, string>;
  pixelSize: { x: number; y: number; unit: string };
  shape: [number, number];
  images: {
    well: string;
    site: number;
    channel: number;
    z_index: number;
    timepoint: number;
    sum: number;
    /** The plane's first pixel values. */
    first: number[];
  }[];
}

const MAKE = readFileSync(path.resolve('tests/runtime/fixtures/make_plates.py'), 'utf8');

/**
 * Writes a plate of `kind` (e.g. 'ome-zarr-0.4', 'imagexpress') into `dir`, with the script's
 * further arguments `args` (e.g. an OME-TIFF compression); its manifest.
 */
export async function makePlate(
  kind: string,
  dir: string,
  ...args: string[]
): Promise<PlateManifest> {
  return JSON.parse(await python(MAKE, [kind, dir, ...args])) as PlateManifest;
}
