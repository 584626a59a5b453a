/**
 * Image files through itk-wasm (`@itk-wasm/image-io`), for the formats only it handles (.nrrd,
 * .nii, .mha …) and for TIFFs the project's own reader cannot decode (JPEG or PackBits inside,
 * BigTIFF). Not the TIFF hot path: itk-wasm's Node functions instantiate their wasm pipeline on
 * every call (~0.2–1 s), and even a kept module spends ~5–10 ms per 512² plane in the pipeline
 * (docs/benchmarks.md, "TIFF and zarr I/O").
 */
import { extensionToImageIo, readImageNode, writeImageNode } from '@itk-wasm/image-io';
import { getFileExtension } from 'itk-wasm';
import { fromItkImage, toItkImage, type NdArray } from '../model/image-data.js';

/** Whether itk-wasm has a reader/writer for this file name's extension. */
export function itkHandles(file: string): boolean {
  return extensionToImageIo.has(getFileExtension(file));
}

export async function readItkImage(file: string): Promise<NdArray> {
  try {
    return fromItkImage(await readImageNode(file));
  } catch (cause) {
    throw new Error(describe(cause), { cause });
  }
}

export async function writeItkImage(array: NdArray, file: string): Promise<void> {
  try {
    await writeImageNode(toItkImage(array), file);
  } catch (cause) {
    throw new Error(describe(cause), { cause });
  }
}

/** itk-wasm throws bare numbers or empty errors from the wasm; say something useful instead. */
function describe(cause: unknown): string {
  if (cause instanceof Error && cause.message) return cause.message;
  return `itk-wasm pipeline error (${String(cause)})`;
}
