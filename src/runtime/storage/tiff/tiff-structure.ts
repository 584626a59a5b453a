/**
 * Checks a TIFF file's structure before the `tiff` package parses it: the header, and that
 * every IFD and every tag value lies inside the file. `tiff` trusts the file: it follows a
 * looping IFD chain forever and allocates a tag's declared count before reading it, so a
 * truncated or damaged file must be refused here, with a message that says what is wrong.
 */

export class TiffFormatError extends Error {
  override name = 'TiffFormatError';
  /** The file looks valid but uses something this reader lacks (itk-wasm may still read it). */
  readonly unsupported: boolean;
  constructor(message: string, options: { cause?: unknown; unsupported?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.unsupported = options.unsupported ?? false;
  }
}

/** Bytes per value of each TIFF field type (1 BYTE … 12 DOUBLE); 0: unknown, skipped. */
const TYPE_BYTES = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8];

const EXIF_IFD = 0x8769;
const GPS_IFD = 0x8825;

/** More pages than any plate image has; stops a damaged chain early. */
const MAX_PAGES = 1_000_000;

export interface TiffLayout {
  littleEndian: boolean;
  /** Byte offset of each page's IFD, in file order. */
  ifds: number[];
}

/** The byte order and IFD offsets of a classic TIFF, or a TiffFormatError saying why not. */
export function checkTiffStructure(file: Uint8Array): TiffLayout {
  if (file.length < 8) {
    throw new TiffFormatError(
      `the file is ${file.length} bytes, too short for a TIFF header (truncated?)`
    );
  }
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const order = view.getUint16(0, false);
  if (order !== 0x4949 && order !== 0x4d4d) {
    throw new TiffFormatError('not a TIFF file: it does not start with "II" or "MM"');
  }
  const le = order === 0x4949;
  const magic = view.getUint16(2, le);
  if (magic === 43) {
    throw new TiffFormatError(
      'BigTIFF is not supported; save it as classic TIFF (tifffile: bigtiff=False)',
      { unsupported: true }
    );
  }
  if (magic !== 42) throw new TiffFormatError(`not a TIFF file: version ${magic}, expected 42`);

  const truncated = (what: string, end: number) =>
    new TiffFormatError(
      `${what} ends at byte ${end} but the file has ${file.length} bytes (truncated or damaged)`
    );
  const seen = new Set<number>();
  /** Checks the IFD at `at` (and its Exif/GPS sub-IFDs, which `tiff` also reads); its next. */
  const checkIfd = (at: number, label: string): number => {
    if (seen.has(at)) throw new TiffFormatError(`${label}: the IFD chain loops back to byte ${at}`);
    seen.add(at);
    if (at + 2 > file.length) throw truncated(label, at + 2);
    const count = view.getUint16(at, le);
    const end = at + 2 + count * 12 + 4;
    if (end > file.length) throw truncated(label, end);
    for (let i = 0; i < count; i++) {
      const entry = at + 2 + i * 12;
      const tag = view.getUint16(entry, le);
      const size = (TYPE_BYTES[view.getUint16(entry + 2, le)] ?? 0) * view.getUint32(entry + 4, le);
      const value = view.getUint32(entry + 8, le);
      if (size > 4 && value + size > file.length) {
        throw truncated(`tag ${tag} of ${label}`, value + size);
      }
      if (tag === EXIF_IFD || tag === GPS_IFD) checkIfd(value, `${label}, sub-IFD of tag ${tag}`);
    }
    return view.getUint32(end - 4, le);
  };
  const ifds: number[] = [];
  for (let at = view.getUint32(4, le); at !== 0;) {
    if (ifds.length >= MAX_PAGES) throw new TiffFormatError(`more than ${MAX_PAGES} pages`);
    const next = checkIfd(at, `IFD ${ifds.length}`);
    ifds.push(at);
    at = next;
  }
  if (ifds.length === 0) throw new TiffFormatError('the file has no image (no IFD)');
  return { littleEndian: le, ifds };
}
