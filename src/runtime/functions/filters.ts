/**
 * Filters (OpenCV): Gaussian and median smoothing, and background subtraction by a white
 * top-hat. Each works plane by plane on a plane [y, x] or a stack [n, y, x] and keeps the
 * input's dtype (integers rounded and clamped), so it chains with any other step.
 */
import { DTYPES } from '../../protocol/index.js';
import type { NdArray } from '../model/image-data.js';
import { Checker, type FunctionContext } from './checks.js';
import { MatScope, openCv, viewOf } from './opencv.js';
import { castInto, mapPlanes } from './planes.js';

/**
 * Gaussian smoothing, as `skimage.filters.gaussian(image, sigma, preserve_range=True)`
 * (borders repeated, skimage's mode 'nearest'; kernel truncated at 4 σ).
 * @param args.sigma - standard deviation in pixels, > 0 and ≤ 100 (default 1).
 */
export async function gaussian(stack: NdArray, context?: FunctionContext): Promise<NdArray> {
  const check = new Checker('gaussian', context);
  const sigma = check.number('sigma', 1, { min: 0, max: 100, exclusiveMin: true });
  const cv = await openCv();
  // skimage truncates at 4 σ (radius int(4σ + 0.5)); OpenCV takes the odd kernel size.
  const size = 2 * Math.floor(4 * sigma + 0.5) + 1;
  return mapPlanes(stack, check, stack.dtype, (plane, out, { height, width }) => {
    const scope = new MatScope(cv);
    try {
      const src = scope.float32(plane, height, width);
      const dst = scope.mat(height, width, cv.CV_32F);
      cv.GaussianBlur(src, dst, new cv.Size(size, size), sigma, sigma, cv.BORDER_REPLICATE);
      castInto(dst.data32F as Float32Array, out, stack.dtype);
    } finally {
      scope.dispose();
    }
  });
}

/**
 * Median filter over a size × size square, borders repeated, as
 * `scipy.ndimage.median_filter(image, size, mode='nearest')`.
 * @param args.size - 3 or 5 (OpenCV's limit for 16-bit and float images; default 3).
 */
export async function median(stack: NdArray, context?: FunctionContext): Promise<NdArray> {
  const check = new Checker('median', context);
  check.dtype(stack, ['uint8', 'uint16', 'float32']);
  const size = check.choice('size', 3, [3, 5]);
  const cv = await openCv();
  return mapPlanes(stack, check, stack.dtype, (plane, out, { height, width }) => {
    const scope = new MatScope(cv);
    try {
      const src = scope.native(plane, height, width);
      const dst = scope.mat(height, width, src.type());
      cv.medianBlur(src, dst, size);
      out.set(viewOf(dst) as never);
    } finally {
      scope.dispose();
    }
  });
}

/**
 * Background subtraction by a white top-hat with a disk of `radius` (image minus its
 * morphological opening), as `skimage.morphology.white_tophat(image, disk(radius))`: keeps
 * bright structures smaller than the disk, removes slowly varying background.
 * @param args.radius - disk radius in pixels, an integer ≥ 1 and ≤ 200 (default 15); take
 *   it larger than the objects to keep.
 */
export async function subtractBackground(
  stack: NdArray,
  context?: FunctionContext
): Promise<NdArray> {
  const check = new Checker('subtractBackground', context);
  check.dtype(stack, DTYPES);
  const radius = check.number('radius', 15, { min: 1, max: 200, integer: true });
  const cv = await openCv();
  return mapPlanes(stack, check, stack.dtype, (plane, out, { height, width }) => {
    const scope = new MatScope(cv);
    try {
      const native = stack.dtype === 'uint8' || stack.dtype === 'uint16';
      const src = native ? scope.native(plane, height, width) : scope.float32(plane, height, width);
      const dst = scope.mat(height, width, src.type());
      const kernel = scope.disk(radius);
      // Borders: OpenCV's default for morphology ignores pixels outside the image.
      cv.morphologyEx(src, dst, cv.MORPH_TOPHAT, kernel);
      castInto(viewOf(dst), out, stack.dtype);
    } finally {
      scope.dispose();
    }
  });
}
