/**
 * OpenCV's WebAssembly build (@techstark/opencv-js), loaded once per thread. Chosen for the
 * filters, morphology, labeling and watershed because it measured fastest of the libraries the
 * registry serves (docs/functions.md). Mats live in the wasm heap and are freed explicitly: a
 * `MatScope` frees every Mat it made (call `dispose()` in a `finally`).
 */
import { createRequire } from 'node:module';
import type { TypedArray } from '../../protocol/index.js';

/** The OpenCV.js module; typed loosely (its bundled typings describe a different API). */
export type Cv = any;
export type Mat = any;

let loading: Promise<Cv> | null = null;

/** The initialized OpenCV module (about 1 s the first time in a thread). */
export function openCv(): Promise<Cv> {
  loading ??= (async () => {
    // Loaded through require: the Emscripten module is a thenable that resolves to itself, so
    // an ES import whose namespace re-exports its `then` (jest's does) never settles. For the
    // same reason this function waits for the runtime callback instead of awaiting the module.
    const cv = createRequire(import.meta.url)('@techstark/opencv-js') as Cv;
    if (!cv.Mat) await new Promise<void>(resolve => (cv.onRuntimeInitialized = resolve));
    // Once initialized its `then` only gets in the way: a promise resolved with a thenable
    // adopts it, and this one resolves to itself again, forever.
    delete cv.then;
    return cv;
  })();
  return loading;
}

/** Mats made for one call, freed together. */
export class MatScope {
  private readonly mats: Mat[] = [];
  constructor(readonly cv: Cv) {}

  /** Registers a Mat (or other wasm object with delete()) to be freed with the scope. */
  keep<T extends { delete(): void }>(mat: T): T {
    this.mats.push(mat);
    return mat;
  }

  mat(height: number, width: number, type: number): Mat {
    return this.keep(new this.cv.Mat(height, width, type));
  }

  /** A CV_32F Mat holding a copy of the plane (any numeric dtype). */
  float32(plane: TypedArray, height: number, width: number): Mat {
    const m = this.mat(height, width, this.cv.CV_32F);
    (m.data32F as Float32Array).set(plane as ArrayLike<number>);
    return m;
  }

  /** A CV_8U Mat: 1 where the plane is non-zero. */
  binary(plane: TypedArray, height: number, width: number): Mat {
    const m = this.mat(height, width, this.cv.CV_8U);
    const out = m.data as Uint8Array;
    for (let i = 0; i < out.length; i++) out[i] = plane[i] ? 1 : 0;
    return m;
  }

  /** A Mat of the plane's own type (uint8, uint16, int16, float32 or float64). */
  native(plane: TypedArray, height: number, width: number): Mat {
    const cv = this.cv;
    const type =
      plane instanceof Uint8Array
        ? cv.CV_8U
        : plane instanceof Uint16Array
          ? cv.CV_16U
          : plane instanceof Int16Array
            ? cv.CV_16S
            : plane instanceof Float32Array
              ? cv.CV_32F
              : plane instanceof Float64Array
                ? cv.CV_64F
                : null;
    if (type === null) return this.float32(plane, height, width);
    const m = this.mat(height, width, type);
    viewOf(m).set(plane as never);
    return m;
  }

  /** A disk-shaped structuring element of that radius (as skimage.morphology.disk). */
  disk(radius: number): Mat {
    const size = 2 * radius + 1;
    const k = this.mat(size, size, this.cv.CV_8U);
    const d = k.data as Uint8Array;
    for (let y = -radius; y <= radius; y++)
      for (let x = -radius; x <= radius; x++)
        d[(y + radius) * size + x + radius] = x * x + y * y <= radius * radius ? 1 : 0;
    return k;
  }

  dispose(): void {
    for (const m of this.mats.splice(0)) m.delete();
  }
}

/** The typed view of a Mat's pixels, by its depth. */
export function viewOf(m: Mat): TypedArray {
  switch (m.depth() as number) {
    case 0:
      return m.data as Uint8Array;
    case 1:
      return m.data8S as Int8Array;
    case 2:
      return m.data16U as Uint16Array;
    case 3:
      return m.data16S as Int16Array;
    case 4:
      return m.data32S as Int32Array;
    case 5:
      return m.data32F as Float32Array;
    default:
      return m.data64F as Float64Array;
  }
}
