/**
 * Reads a TIFF file's pixels into an NdArray, with the shape tifffile gives it: [y, x] for one
 * page, [pages, y, x] for a stack, plus a samples axis when a pixel has several ([y, x, s] when
 * interleaved, [s, y, x] when planar). Values come back as stored, as with tifffile.
 *
 * The `tiff` package (image-js) parses the IFDs and decodes LZW / deflate strips and tiles. The
 * common case, uncompressed strips, is copied here straight from the file bytes into the result
 * (one memcpy per strip): `tiff` reads every sample through a DataView, ~10× slower than this.
 */
import { decode, type TiffIfd } from 'tiff';
import type { Dtype, TypedArray } from '../../../protocol/index.js';
import { typedArrayCtor } from '../../../protocol/index.js';
import { createNdArray, type NdArray } from '../../model/image-data.js';
import { checkTiffStructure, TiffFormatError } from './tiff-structure.js';

export { TiffFormatError };

/** TIFF Compression codes `tiff` can decode, besides 1 (none). */
const DECODED_BY_TIFF: Record<number, string> = { 5: 'LZW', 8: 'deflate', 32946: 'deflate' };
const COMPRESSION_NAMES: Record<number, string> = {
  2: 'CCITT RLE',
  3: 'CCITT G3',
  4: 'CCITT G4',
  6: 'old JPEG',
  7: 'JPEG',
  32773: 'PackBits',
  34887: 'LERC',
  34925: 'LZMA',
  50000: 'Zstandard',
  50001: 'WebP',
  50002: 'JPEG XL'
};

interface Page {
  width: number;
  height: number;
  dtype: Dtype;
  samples: number;
  planar: boolean;
}

/**
 * The pixels of a TIFF file (all of its bytes); errors are TiffFormatErrors saying why.
 * `pages` picks pages (0-based, in that order; an OME-TIFF's planes): [pages, y, x] then.
 */
export function decodeTiff(file: Uint8Array, pages?: readonly number[]): NdArray {
  const { littleEndian, ifds: offsets } = checkTiffStructure(file);
  let all: TiffIfd[];
  try {
    all = decode(file, { ignoreImageData: true });
  } catch (cause) {
    throw new TiffFormatError(`cannot parse the TIFF tags: ${(cause as Error).message}`, { cause });
  }
  if (all.length !== offsets.length) {
    throw new TiffFormatError(`found ${all.length} IFDs, expected ${offsets.length}`);
  }
  const pageIndex = pages ?? all.map((_, i) => i);
  const wrong = pageIndex.find(p => !Number.isInteger(p) || p < 0 || p >= all.length);
  if (wrong !== undefined) {
    throw new TiffFormatError(
      `page ${wrong} was asked for but the file has ${all.length} page(s) (truncated, or the metadata names pages it lacks)`
    );
  }
  const ifds = pageIndex.map(p => all[p]);
  const first = pageOf(ifds[0], pageIndex[0]);
  ifds.forEach((ifd, i) => {
    const page = pageOf(ifd, pageIndex[i]);
    if (i > 0 && JSON.stringify(page) !== JSON.stringify(first)) {
      throw new TiffFormatError(
        `page ${i} is ${describe(page)} but page 0 is ${describe(first)}; a stack's pages must match`
      );
    }
  });

  const { width, height, dtype, samples, planar } = first;
  const pageLength = width * height * samples;
  const Ctor = typedArrayCtor(dtype);
  // Uncompressed pixels must be in the file: refuse before allocating what a damaged header asks.
  const rawBytes =
    ifds.filter(ifd => ifd.compression === 1).length * pageLength * Ctor.BYTES_PER_ELEMENT;
  if (rawBytes > file.length) {
    throw new TiffFormatError(
      `the image needs ${rawBytes} bytes of uncompressed pixels but the file has ${file.length} (truncated or damaged)`
    );
  }
  const data =
    (littleEndian && viewOfPixels(file, ifds, Ctor, pageLength * ifds.length)) ||
    new Ctor(pageLength * ifds.length);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const pageBytes = pageLength * data.BYTES_PER_ELEMENT;
  let decoded: TiffIfd[] | null = null; // every page decoded by `tiff`, once, when one needs it
  ifds.forEach((ifd, i) => {
    const into = bytes.subarray(i * pageBytes, (i + 1) * pageBytes);
    if (data.buffer === file.buffer) return; // already a view of the pixels
    const page = pageIndex[i];
    if (ifd.compression === 1 && !ifd.tileWidth) {
      copyStrips(file, ifd, into, page);
      if (!littleEndian) swapBytes(into, data.BYTES_PER_ELEMENT);
    } else {
      decoded ??= decodeAll(file, ifd, page);
      copyDecoded(decoded[page].data as TypedArray, into, data.BYTES_PER_ELEMENT, page);
    }
  });

  const plane =
    samples === 1 ? [height, width] : planar ? [samples, height, width] : [height, width, samples];
  const shape = (pages ? null : shapedDescription(ifds[0], plane, data.length)) ?? [
    ...(ifds.length > 1 ? [ifds.length] : []),
    ...plane
  ];
  return createNdArray(data, shape, dtype);
}

/**
 * The shape tifffile recorded in page 0's description ({"shape": [1, 16, 24]}), when it ends
 * with the page's own shape and holds exactly the pixels read: a [1, y, x] stack stays 3D.
 */
function shapedDescription(ifd: TiffIfd, plane: number[], length: number): number[] | null {
  const text = ifd.imageDescription as unknown;
  if (typeof text !== 'string' || !text.startsWith('{') || !text.includes('"shape":')) return null;
  let shape: unknown;
  try {
    shape = (JSON.parse(text) as { shape?: unknown }).shape;
  } catch {
    return null;
  }
  if (!Array.isArray(shape) || !shape.every(n => Number.isInteger(n) && n >= 0)) return null;
  const tail = shape.slice(-plane.length);
  const count = shape.reduce((a: number, b: number) => a * b, 1);
  return count === length && tail.every((n, i) => n === plane[i]) ? shape : null;
}

function pageOf(ifd: TiffIfd, index: number): Page {
  const bits = ifd.get('BitsPerSample') as number | ArrayLike<number> | undefined;
  const allBits = typeof bits === 'number' ? [bits] : Array.from(bits ?? [1]);
  if (allBits.some(b => b !== allBits[0])) {
    throw new TiffFormatError(
      `page ${index}: samples of different sizes (${allBits.join(', ')} bits)`,
      {
        unsupported: true
      }
    );
  }
  const dtype = dtypeOf(ifd.sampleFormat, allBits[0]);
  if (!dtype) {
    throw new TiffFormatError(
      `page ${index}: ${allBits[0]}-bit samples of sample format ${ifd.sampleFormat} are not supported ` +
        '(8/16/32-bit integers, 32/64-bit floats are)',
      { unsupported: true }
    );
  }
  const compression = ifd.compression;
  if (compression !== 1 && !DECODED_BY_TIFF[compression]) {
    const name = COMPRESSION_NAMES[compression] ?? 'unknown';
    throw new TiffFormatError(
      `page ${index}: compression ${compression} (${name}) is not supported; ` +
        'save the file uncompressed or with LZW / deflate (zlib)',
      { unsupported: true }
    );
  }
  if (!ifd.width || !ifd.height) throw new TiffFormatError(`page ${index}: no image width/height`);
  return {
    width: ifd.width,
    height: ifd.height,
    dtype,
    samples: ifd.samplesPerPixel,
    planar: ifd.samplesPerPixel > 1 && ifd.planarConfiguration === 2
  };
}

function dtypeOf(format: number, bits: number): Dtype | null {
  const kind = format === 2 ? 'int' : format === 3 ? 'float' : format === 1 ? 'uint' : null;
  if (!kind || (kind === 'float' ? bits !== 32 && bits !== 64 : ![8, 16, 32].includes(bits)))
    return null;
  return `${kind}${bits}` as Dtype;
}

function describe(p: Page): string {
  return `${p.width}×${p.height} ${p.dtype}${p.samples > 1 ? ` × ${p.samples} samples` : ''}`;
}

/**
 * The pixels as a view of the file's own buffer, no copy, when they lie there as they should in
 * memory: uncompressed strips one after the other (as our writer and tifffile lay them out),
 * aligned for the dtype, in a buffer that is the file's alone. Else null.
 */
function viewOfPixels(
  file: Uint8Array,
  ifds: TiffIfd[],
  Ctor: ReturnType<typeof typedArrayCtor>,
  length: number
): TypedArray | null {
  if (file.byteOffset !== 0 || file.byteLength !== file.buffer.byteLength) return null;
  if (ifds.some(ifd => ifd.compression !== 1 || ifd.tileWidth || !ifd.stripOffsets)) return null;
  const start = (ifds[0].stripOffsets as ArrayLike<number>)[0];
  let end = start;
  for (const ifd of ifds) {
    const offsets = ifd.stripOffsets as ArrayLike<number>;
    const counts = ifd.get('StripByteCounts') as ArrayLike<number> | number | undefined;
    const sizes = typeof counts === 'number' ? [counts] : (counts ?? []);
    if (sizes.length !== offsets.length) return null;
    for (let s = 0; s < offsets.length; s++) {
      if (offsets[s] !== end) return null;
      end += sizes[s];
    }
  }
  const size = Ctor.BYTES_PER_ELEMENT;
  if (start % size !== 0 || end - start !== length * size || end > file.length) return null;
  return new Ctor(file.buffer, start, length);
}

/** Uncompressed strips: their bytes, in order, are the page's bytes. */
function copyStrips(file: Uint8Array, ifd: TiffIfd, into: Uint8Array, index: number): void {
  const offsets = ifd.stripOffsets as ArrayLike<number> | undefined;
  const counts = (ifd.get('StripByteCounts') as ArrayLike<number> | number | undefined) ?? null;
  if (!offsets || counts === null) {
    throw new TiffFormatError(`page ${index}: no StripOffsets or StripByteCounts tag`);
  }
  const sizes = typeof counts === 'number' ? [counts] : counts;
  let at = 0;
  for (let s = 0; s < offsets.length && at < into.length; s++) {
    const start = offsets[s];
    const length = Math.min(sizes[s] ?? 0, into.length - at);
    if (start + length > file.length) {
      throw new TiffFormatError(
        `page ${index}: strip ${s} ends at byte ${start + length} but the file has ${file.length} bytes (truncated)`
      );
    }
    into.set(file.subarray(start, start + length), at);
    at += length;
  }
  if (at < into.length) {
    throw new TiffFormatError(
      `page ${index}: its strips hold ${at} bytes, the image needs ${into.length} (truncated or damaged)`
    );
  }
}

/** Compressed strips or tiles: `tiff` decodes the pages (values in this machine's byte order). */
function decodeAll(file: Uint8Array, ifd: TiffIfd, index: number): TiffIfd[] {
  try {
    return decode(file);
  } catch (cause) {
    const how = DECODED_BY_TIFF[ifd.compression] ?? 'uncompressed tiles';
    throw new TiffFormatError(
      `page ${index} (${how}) cannot be decoded: ${(cause as Error).message}`,
      { cause, unsupported: true }
    );
  }
}

function copyDecoded(decoded: TypedArray, into: Uint8Array, size: number, index: number): void {
  if (decoded.byteLength !== into.length || decoded.BYTES_PER_ELEMENT !== size) {
    throw new TiffFormatError(
      `page ${index}: decoded ${decoded.byteLength} bytes of ${decoded.BYTES_PER_ELEMENT}-byte ` +
        `samples, expected ${into.length} bytes of ${size}-byte samples`
    );
  }
  into.set(new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength));
}

function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i < bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}
