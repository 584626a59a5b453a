/**
 * The ImageDescription of a TIFF's first page (where OME-TIFF keeps its OME-XML), read with a
 * few small reads: the header, the first IFD, the string. No pixel is read, so listing an
 * OME-TIFF plate costs the same whatever the size of its images.
 */
import { open } from 'node:fs/promises';
import { TiffFormatError } from './tiff-structure.js';

const IMAGE_DESCRIPTION = 270;

/** Page 0's ImageDescription as UTF-8 text, or null when it has none. */
export async function readTiffDescription(file: string): Promise<string | null> {
  const handle = await open(file, 'r');
  try {
    const read = async (at: number, length: number): Promise<DataView> => {
      const bytes = new Uint8Array(length);
      const { bytesRead } = await handle.read(bytes, 0, length, at);
      if (bytesRead < length) {
        throw new TiffFormatError(
          `needs bytes ${at}–${at + length} but the file ends at ${at + bytesRead} (truncated?)`
        );
      }
      return new DataView(bytes.buffer);
    };
    const header = await read(0, 8);
    const order = header.getUint16(0, false);
    if (order !== 0x4949 && order !== 0x4d4d)
      throw new TiffFormatError('not a TIFF file: it does not start with "II" or "MM"');
    const le = order === 0x4949;
    if (header.getUint16(2, le) === 43)
      throw new TiffFormatError('BigTIFF is not supported; save it as classic TIFF', {
        unsupported: true
      });
    const ifd = header.getUint32(4, le);
    const count = (await read(ifd, 2)).getUint16(0, le);
    const tags = await read(ifd + 2, count * 12);
    for (let i = 0; i < count; i++) {
      if (tags.getUint16(i * 12, le) !== IMAGE_DESCRIPTION) continue;
      const length = tags.getUint32(i * 12 + 4, le);
      const bytes =
        length <= 4
          ? new Uint8Array(tags.buffer, i * 12 + 8, length)
          : new Uint8Array((await read(tags.getUint32(i * 12 + 8, le), length)).buffer);
      const end = bytes.indexOf(0);
      return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
    }
    return null;
  } finally {
    await handle.close();
  }
}
