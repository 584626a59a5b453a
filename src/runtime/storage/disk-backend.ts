/**
 * Writes and reads images as files through itk-wasm (`@itk-wasm/image-io`), TIFF for `.tif`/
 * `.tiff` paths (2D planes and 3D stacks); other itk-wasm formats by extension (`.nrrd`, `.nii`…).
 * Writes are atomic: the image goes to a temporary name in the same folder and is renamed over the
 * target, so a crash or a failing write never leaves a half-written file under the real name.
 */
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { extensionToImageIo, readImageNode, writeImageNode } from '@itk-wasm/image-io';
import { getFileExtension } from 'itk-wasm';
import type { Dtype } from '../../protocol/index.js';
import { fromItkImage, toItkImage, validateNdArray, type NdArray } from '../model/image-data.js';
import type { StorageBackend } from './backend.js';
import { StorageError } from './storage-error.js';
import { confinedPath, rootFolder } from './confined-path.js';

/** Pixel types itk-wasm's TIFF writer handles (uint32, int32 and float64 fail inside the wasm). */
export const TIFF_DTYPES: readonly Dtype[] = ['uint8', 'int8', 'uint16', 'int16', 'float32'];

const TIFF_RE = /\.tiff?$/i;
const TEMP_MARK = '.partial-';

export interface DiskBackendOptions {
  /**
   * When set, every path must lie inside this folder (relative paths resolve against it), so
   * no path coming from user input can reach files elsewhere.
   */
  root?: string;
}

export class DiskBackend implements StorageBackend {
  readonly name = 'disk' as const;
  private readonly root: string | null;

  constructor(options: DiskBackendOptions = {}) {
    this.root = rootFolder(options.root);
  }

  async save(array: NdArray, filePath: string): Promise<void> {
    const target = this.resolve(filePath);
    validateNdArray(array, `[disk backend] ${target}`);
    if (TIFF_RE.test(target) && !TIFF_DTYPES.includes(array.dtype)) {
      throw new StorageError(
        this.name,
        target,
        `TIFF through itk-wasm cannot hold ${array.dtype} pixels (supported: ${TIFF_DTYPES.join(', ')}); ` +
          'convert the array (e.g. to float32) or save it to the zarr backend'
      );
    }
    if (!extensionToImageIo.has(getFileExtension(target))) {
      throw new StorageError(
        this.name,
        target,
        `no itk-wasm image writer for this extension; use .tif (or .nrrd, .nii.gz, …)`
      );
    }
    if (array.shape.length < 2 || array.shape.length > 3) {
      throw new StorageError(
        this.name,
        target,
        `expected a 2D plane [y, x] or 3D stack [z, y, x], got shape [${array.shape.join(', ')}]`
      );
    }
    const dir = path.dirname(target);
    try {
      await mkdir(dir, { recursive: true });
    } catch (cause) {
      throw new StorageError(
        this.name,
        target,
        `cannot create folder '${dir}': ${(cause as Error).message}`,
        { cause }
      );
    }
    // Same folder, so the rename cannot cross file systems; same extension, so itk-wasm picks
    // the same writer.
    const temp = path.join(
      dir,
      `${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}-${path.basename(target)}`
    );
    try {
      await writeImageNode(toItkImage(array), temp);
      await rename(temp, target);
    } catch (cause) {
      await rm(temp, { force: true });
      throw new StorageError(
        this.name,
        target,
        `writing failed, nothing was written: ${describe(cause)}`,
        { cause }
      );
    }
  }

  async load(filePath: string): Promise<NdArray> {
    const target = this.resolve(filePath);
    const info = await stat(target).catch(() => null);
    if (!info?.isFile()) {
      throw new StorageError(
        this.name,
        target,
        'no such file; check the path or that the step writing it ran'
      );
    }
    try {
      return fromItkImage(await readImageNode(target));
    } catch (cause) {
      throw new StorageError(this.name, target, `cannot read image: ${describe(cause)}`, { cause });
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
        throw new StorageError(this.name, folder, `cannot list folder: ${e.message}`, { cause: e });
      }
    );
    return entries
      .filter(e => e.isFile() && !e.name.startsWith(TEMP_MARK))
      .map(e => path.join(folder, e.name))
      .sort();
  }

  private resolve(filePath: string): string {
    return confinedPath(this.root, filePath, this.name);
  }
}

/** itk-wasm throws bare numbers or empty errors from the wasm; say something useful instead. */
function describe(cause: unknown): string {
  if (cause instanceof Error && cause.message) return cause.message;
  return `itk-wasm pipeline error (${String(cause)})`;
}
