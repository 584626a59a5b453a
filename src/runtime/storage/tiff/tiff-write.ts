/**
 * A baseline TIFF writer for what the pipeline stores: a 2D plane [y, x] or a 3D stack [z, y, x]
 * (one page per z) of any NdArray dtype, uncompressed, one strip per page, little-endian.
 *
 * Hand-written because no npm library was fast enough (docs/benchmarks.md, "TIFF and zarr
 * I/O"): itk-wasm's TIFF pipeline costs ~10 ms per 512² plane even kept loaded, sharp ~6 ms,
 * geotiff.js writes one DataView per pixel. Here the IFDs go in one small header and the pixels
 * are written straight from the array's own buffer: no copy, no per-pixel work.
 * Page 0 carries tifffile's shaped description ({"shape": [...]}), so tifffile reads a stack back
 * with its shape, also when z is 3 or 4 (it would otherwise guess RGB).
 */
import os from 'node:os';
import type { Dtype, PixelSize } from '../../../protocol/index.js';
import { bytesPerElement } from '../../../protocol/index.js';
import type { NdArray } from '../../model/image-data.js';

/** Classic TIFF addresses bytes with 32-bit offsets. */
export const MAX_TIFF_BYTES = 2 ** 32 - 1;

/** TIFF SampleFormat: 1 unsigned integer, 2 signed integer, 3 IEEE float. */
const SAMPLE_FORMAT: Record<Dtype, number> = {
  uint8: 1,
  uint16: 1,
  uint32: 1,
  int8: 2,
  int16: 2,
  int32: 2,
  float32: 3,
  float64: 3
};

const SHORT = 3;
const LONG = 4;
const ASCII = 2;
const RATIONAL = 5;

/** Micrometres per unit, for the units a pixel size may come in (OME-NGFF names). */
const MICROMETERS: Record<string, number> = {
  micrometer: 1,
  nanometer: 1e-3,
  millimeter: 1e3,
  centimeter: 1e4,
  meter: 1e6
};

/**
 * X/YResolution in pixels per centimetre (ResolutionUnit 3), as tifffile and ImageJ read them;
 * null for a unit that is not a length we know.
 */
function resolutionOf(pixelSize: PixelSize | undefined): Uint8Array | null {
  const um = pixelSize && MICROMETERS[pixelSize.unit];
  if (!pixelSize || !um) return null;
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  [pixelSize.x, pixelSize.y].forEach((size, i) => {
    const perCm = 1e4 / (size * um);
    // numerator / 1000: three decimals of pixels per cm, within 32 bits up to 4e6 px/cm
    view.setUint32(i * 8, Math.min(2 ** 32 - 1, Math.round(perCm * 1000)), true);
    view.setUint32(i * 8 + 4, 1000, true);
  });
  return out;
}

/**
 * The TIFF file of `array` as byte chunks to write in order: header+IFDs, then the pixels.
 * With a pixel size, every page carries X/YResolution and ResolutionUnit (centimetre).
 */
export function encodeTiff(array: NdArray, options: { pixelSize?: PixelSize } = {}): Uint8Array[] {
  // The header says "II" (little-endian) and the pixels are the array's own bytes.
  if (os.endianness() !== 'LE') throw new Error('the TIFF writer needs a little-endian machine');
  const [pages, height, width] = array.shape.length === 3 ? array.shape : [1, ...array.shape];
  const bytes = bytesPerElement(array.dtype);
  const pageBytes = height * width * bytes;
  const description = ascii(JSON.stringify({ shape: array.shape }));
  const resolution = resolutionOf(options.pixelSize);
  // Where the description and resolutions go; set once the first IFD's size is known.
  let descriptionAt = 0;
  let resolutionAt = 0;

  /** A number, or bytes stored after the first IFD: the description, the resolutions. */
  type Entry = [tag: number, type: number, value: number | { at: number; count: number }];
  const entries = (page: number, stripOffset: number): Entry[] => [
    [256, LONG, width],
    [257, LONG, height],
    [258, SHORT, bytes * 8],
    [259, SHORT, 1], // no compression
    [262, SHORT, 1], // BlackIsZero
    ...(page === 0
      ? [[270, ASCII, { at: descriptionAt, count: description.length }] as Entry]
      : []),
    [273, LONG, stripOffset],
    [277, SHORT, 1],
    [278, LONG, height],
    [279, LONG, pageBytes],
    ...(resolution
      ? [
          [282, RATIONAL, { at: resolutionAt, count: 1 }] as Entry,
          [283, RATIONAL, { at: resolutionAt + 8, count: 1 }] as Entry
        ]
      : []),
    [284, SHORT, 1], // chunky (one sample per pixel anyway)
    ...(resolution ? [[296, SHORT, 3] as Entry] : []), // centimetre
    [339, SHORT, SAMPLE_FORMAT[array.dtype]]
  ];
  const ifdBytes = (page: number) => 2 + entries(page, 0).length * 12 + 4;
  // Layout: header, IFD 0, description, resolutions, IFDs 1…n−1 (word-aligned), padding, then
  // the pixels of every page in a row, exactly the array's bytes.
  descriptionAt = 8 + ifdBytes(0);
  resolutionAt = align(descriptionAt + description.length, 2);
  const ifdAt = [8, resolutionAt + (resolution ? resolution.length : 0)];
  for (let p = 1; p < pages; p++) ifdAt.push(ifdAt[p] + ifdBytes(p));
  const dataStart = align(ifdAt[pages], 16);
  if (dataStart + pages * pageBytes > MAX_TIFF_BYTES) {
    throw new RangeError(
      `${dataStart + pages * pageBytes} bytes do not fit a classic TIFF (4 GiB); ` +
        'save smaller stacks or use the zarr backend'
    );
  }

  const header = new Uint8Array(dataStart);
  const view = new DataView(header.buffer);
  view.setUint16(0, 0x4949, true); // "II": little-endian
  view.setUint16(2, 42, true);
  view.setUint32(4, 8, true);
  header.set(description, descriptionAt);
  if (resolution) header.set(resolution, resolutionAt);
  for (let p = 0; p < pages; p++) {
    const list = entries(p, dataStart + p * pageBytes);
    let at = ifdAt[p];
    view.setUint16(at, list.length, true);
    at += 2;
    for (const [tag, type, value] of list) {
      view.setUint16(at, tag, true);
      view.setUint16(at + 2, type, true);
      if (typeof value === 'object') {
        view.setUint32(at + 4, value.count, true);
        view.setUint32(at + 8, value.at, true);
      } else {
        view.setUint32(at + 4, 1, true);
        if (type === SHORT) view.setUint16(at + 8, value, true);
        else view.setUint32(at + 8, value, true);
      }
      at += 12;
    }
    view.setUint32(at, p < pages - 1 ? ifdAt[p + 1] : 0, true);
  }
  const data = array.data;
  return [header, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)];
}

function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length + 1); // NUL-terminated
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
