/**
 * Writes and reads images as files. TIFF (`.tif`/`.tiff`: 2D planes and 3D stacks, one page per
 * z, any dtype) goes through the project's own writer (tiff-write.ts) and reader (tiff-read.ts,
 * on the `tiff` package), at the speed of Python's tifffile; other formats go through itk-wasm
 * by extension (`.nrrd`, `.nii`…), as do TIFFs the reader cannot decode (JPEG, PackBits…).
 * Writes are atomic (atomic-write.ts): a crash or a failing write never leaves a half-written
 * file under the real name.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { DTYPES, type Dtype, type PixelSize } from '../../protocol/index.js';
import { validateNdArray, type NdArray } from '../model/image-data.js';
import type { StorageBackend } from './backend.js';
import { StorageError } from './storage-error.js';
import { confinedPath, rootFolder } from './confined-path.js';
import { replaceAtomically, TEMP_MARK, writeFileAtomic } from './atomic-write.js';
import { encodeTiff } from './tiff/tiff-write.js';
import { readWholeFile } from './read-file.js';
import { decodeTiff, TiffFormatError } from './tiff/tiff-read.js';
import { itkHandles, readItkImage, writeItkImage } from './itk-image-file.js';

/** Pixel types a TIFF of this backend holds: all of them. */
export const TIFF_DTYPES: readonly Dtype[] = DTYPES;

const TIFF_RE = /\.tiff?$/i;

export interface DiskBackendOptions {
  /**
   * When set, every path must lie inside this folder (relative paths resolve against it), so
   * no path coming from user input can reach files elsewhere.
   */
  root?: string;
  /** Pixel size written into every TIFF (X/YResolution, ResolutionUnit), e.g. the plate's. */
  pixelSize?: PixelSize;
}

export class DiskBackend implements StorageBackend {
  readonly name = 'disk' as const;
  private readonly root: string | null;
  private readonly pixelSize: PixelSize | undefined;

  constructor(options: DiskBackendOptions = {}) {
    this.root = rootFolder(options.root);
    this.pixelSize = options.pixelSize;
  }

  async save(array: NdArray, filePath: string): Promise<void> {
    const target = this.resolve(filePath);
    validateNdArray(array, `[disk backend] ${target}`);
    if (array.shape.length < 2 || array.shape.length > 3) {
      throw this.error(
        target,
        `expected a 2D plane [y, x] or 3D stack [z, y, x], got shape [${array.shape.join(', ')}]`
      );
    }
    if (TIFF_RE.test(target)) {
      if (array.shape.some(n => n === 0)) {
        throw this.error(target, `an empty image (shape [${array.shape}]) cannot be a TIFF`);
      }
      let chunks: Uint8Array[];
      try {
        chunks = encodeTiff(array, { pixelSize: this.pixelSize });
      } catch (cause) {
        throw this.error(target, (cause as Error).message, cause);
      }
      return this.written(target, writeFileAtomic(target, chunks));
    }
    if (!itkHandles(target)) {
      throw this.error(
        target,
        'no image writer for this extension; use .tif (or .nrrd, .nii.gz, … through itk-wasm)'
      );
    }
    return this.written(
      target,
      replaceAtomically(target, temp => writeItkImage(array, temp))
    );
  }

  async load(filePath: string): Promise<NdArray> {
    const target = this.resolve(filePath);
    const missing = () =>
      this.error(target, 'no such file; check the path or that the step writing it ran');
    if (!TIFF_RE.test(target)) {
      if (!(await this.exists(target))) throw missing();
      return readItkImage(target).catch(cause => {
        throw this.error(target, `cannot read image: ${(cause as Error).message}`, cause);
      });
    }
    // No stat first: one system call less per plane; a missing file is the read's ENOENT.
    const bytes = await readWholeFile(target).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'EISDIR' || e.code === 'ENOTDIR') throw missing();
      throw this.error(target, `cannot read file: ${e.message}`, e);
    });
    try {
      return decodeTiff(bytes);
    } catch (cause) {
      const message = `cannot read TIFF: ${(cause as Error).message}`;
      if (!(cause instanceof TiffFormatError && cause.unsupported)) {
        throw this.error(target, message, cause);
      }
      // A valid TIFF with a feature our reader lacks: libtiff inside itk-wasm may read it.
      return readItkImage(target).catch(itkCause => {
        throw this.error(
          target,
          `${message} (itk-wasm could not read it either: ${(itkCause as Error).message})`,
          cause
        );
      });
    }
  }

  async exists(filePath: string): Promise<boolean> {
    const info = await stat(this.resolve(filePath)).catch(() => null);
    return info?.isFile() ?? false;
  }

  async list(dir: string): Promise<string[]> {
    const folder = this.resolve(dir);
    const entries = await readdir(folder, { withFileTypes: true }).catch(
      (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return [];
        throw this.error(folder, `cannot list folder: ${e.message}`, e);
      }
    );
    return entries
      .filter(e => e.isFile() && !e.name.startsWith(TEMP_MARK))
      .map(e => path.join(folder, e.name))
      .sort();
  }

  private async written(target: string, writing: Promise<void>): Promise<void> {
    try {
      await writing;
    } catch (cause) {
      throw this.error(
        target,
        `writing failed, nothing was written: ${(cause as Error).message}`,
        cause
      );
    }
  }

  private error(target: string, message: string, cause?: unknown): StorageError {
    return new StorageError(this.name, target, message, cause === undefined ? {} : { cause });
  }

  private resolve(filePath: string): string {
    return confinedPath(this.root, filePath, this.name);
  }
}
