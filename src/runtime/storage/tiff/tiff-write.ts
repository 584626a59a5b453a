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
import type { Dtype } from '../../../protocol/index.js';
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

/** The TIFF file of `array` as byte chunks to write in order: header+IFDs, then the pixels. */
export function encodeTiff(array: NdArray): Uint8Array[] {
  // The header says "II" (little-endian) and the pixels are the array's own bytes.
  if (os.endianness() !== 'LE') throw new Error('the TIFF writer needs a little-endian machine');
  const [pages, height, width] = array.shape.length === 3 ? array.shape : [1, ...array.shape];
  const bytes = bytesPerElement(array.dtype);
  const pageBytes = height * width * bytes;
  const description = ascii(JSON.stringify({ shape: array.shape }));

  type Entry = [tag: number, type: number, value: number | Uint8Array];
  const entries = (page: number, stripOffset: number): Entry[] => [
    [256, LONG, width],
    [257, LONG, height],
    [258, SHORT, bytes * 8],
    [259, SHORT, 1], // no compression
    [262, SHORT, 1], // BlackIsZero
    ...(page === 0 ? [[270, ASCII, description] as Entry] : []),
    [273, LONG, stripOffset],
    [277, SHORT, 1],
    [278, LONG, height],
    [279, LONG, pageBytes],
    [284, SHORT, 1], // chunky (one sample per pixel anyway)
    [339, SHORT, SAMPLE_FORMAT[array.dtype]]
  ];
  const ifdBytes = (page: number) => 2 + entries(page, 0).length * 12 + 4;
  // Layout: header, IFD 0, description, IFDs 1…n−1 (word-aligned), padding, then the pixels of
  // every page in a row, exactly the array's bytes.
  const descriptionAt = 8 + ifdBytes(0);
  const ifdAt = [8, align(descriptionAt + description.length, 2)];
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
  for (let p = 0; p < pages; p++) {
    const list = entries(p, dataStart + p * pageBytes);
    let at = ifdAt[p];
    view.setUint16(at, list.length, true);
    at += 2;
    for (const [tag, type, value] of list) {
      view.setUint16(at, tag, true);
      view.setUint16(at + 2, type, true);
      if (value instanceof Uint8Array) {
        view.setUint32(at + 4, value.length, true);
        view.setUint32(at + 8, descriptionAt, true);
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
