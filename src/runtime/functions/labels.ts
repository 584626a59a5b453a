/**
 * Label images (int32, 0 = background, 1…n = objects): connected-component labeling and the
 * watershed split of touching objects (OpenCV for labeling, the distance transform and the
 * peak search; the flood itself in watershed-flood.ts), and filtering labels by size and
 * by touching the border. Plane by plane on a plane or a stack.
 */
import { DTYPES } from '../../protocol/index.js';
import type { NdArray } from '../model/image-data.js';
import { Checker, type FunctionContext } from './checks.js';
import { MatScope, openCv, type Cv } from './opencv.js';
import { mapPlanes, type PlaneSize } from './planes.js';
import { floodWatershed } from './watershed-flood.js';
import type { TypedArray } from '../../protocol/index.js';

/**
 * Connected components of a mask (non-zero = foreground) → labels (int32), numbered in
 * raster order of their first pixel, as `skimage.measure.label(mask, connectivity)`.
 * @param args.connectivity - 8 (corners connect, skimage's default for 2D) or 4.
 */
export async function labelComponents(stack: NdArray, context?: FunctionContext): Promise<NdArray> {
  const check = new Checker('labelComponents', context);
  check.dtype(stack, DTYPES);
  const connectivity = check.choice('connectivity', 8, [4, 8]);
  const cv = await openCv();
  return mapPlanes(stack, check, 'int32', (plane, out, size) => {
    out.set(components(cv, plane, size, connectivity));
  });
}

/** Connected components of the non-zero pixels of one plane (int32 labels). */
export function components(
  cv: Cv,
  plane: TypedArray,
  { height, width }: PlaneSize,
  connectivity: 4 | 8
): Int32Array {
  const scope = new MatScope(cv);
  try {
    const labels = scope.mat(height, width, cv.CV_32S);
    cv.connectedComponents(scope.binary(plane, height, width), labels, connectivity, cv.CV_32S);
    return Int32Array.from(labels.data32S as Int32Array);
  } finally {
    scope.dispose();
  }
}

/**
 * Splits touching objects: the watershed of the negated distance transform of the mask, from
 * one seed per local maximum of the distance, as skimage's recipe
 * `watershed(-d, label(peak_local_max(d, min_distance, exclude_border=False)), mask=m)` with
 * `d = ndimage.distance_transform_edt(m)`. Input: a mask or labels (non-zero = object).
 * @param args.minDistance - smallest distance between two seeds in pixels, an integer ≥ 1 and
 *   ≤ 100 (default 5); about the radius of the smallest object to keep whole.
 */
export async function watershedSplit(stack: NdArray, context?: FunctionContext): Promise<NdArray> {
  const check = new Checker('watershedSplit', context);
  check.dtype(stack, DTYPES);
  const minDistance = check.number('minDistance', 5, { min: 1, max: 100, integer: true });
  const cv = await openCv();
  return mapPlanes(stack, check, 'int32', (plane, out, size) => {
    out.set(splitTouching(cv, plane, size, minDistance));
  });
}

/** The watershed split of one plane's non-zero pixels (int32 labels). */
export function splitTouching(
  cv: Cv,
  plane: TypedArray,
  { height, width }: PlaneSize,
  minDistance: number
): Int32Array {
  const scope = new MatScope(cv);
  try {
    const mask = scope.binary(plane, height, width);
    const distance = scope.mat(height, width, cv.CV_32F);
    cv.distanceTransform(mask, distance, cv.DIST_L2, cv.DIST_MASK_PRECISE);
    // A seed is a pixel equal to the maximum of its (2 d + 1)² neighbourhood; a plateau's
    // pixels join into one seed when labeled.
    const dilated = scope.mat(height, width, cv.CV_32F);
    const square = scope.keep(
      cv.Mat.ones(2 * minDistance + 1, 2 * minDistance + 1, cv.CV_8U) as { delete(): void }
    );
    cv.dilate(
      distance,
      dilated,
      square,
      new cv.Point(-1, -1),
      1,
      cv.BORDER_CONSTANT,
      new cv.Scalar(0)
    );
    const d = distance.data32F as Float32Array;
    const m = dilated.data32F as Float32Array;
    const peaks = new Uint8Array(d.length);
    for (let i = 0; i < d.length; i++) peaks[i] = d[i] > 0 && d[i] === m[i] ? 1 : 0;
    const markers = components(cv, peaks, { height, width }, 8);
    const surface = new Float32Array(d.length);
    for (let i = 0; i < d.length; i++) surface[i] = -d[i];
    return floodWatershed(surface, markers, plane, height, width);
  } finally {
    scope.dispose();
  }
}

/**
 * Removes objects by size and, optionally, those touching the image border, then numbers the
 * rest 1…n in order of their old labels (skimage's `remove_small_objects`, an area maximum,
 * and `clear_border`, followed by `relabel_sequential`).
 * @param args.minArea - smallest area kept, in pixels, an integer ≥ 0 (default 0).
 * @param args.maxArea - largest area kept, an integer ≥ minArea (default: no limit).
 * @param args.excludeBorder - remove objects with a pixel on the image border (default false).
 */
export async function filterLabels(stack: NdArray, context?: FunctionContext): Promise<NdArray> {
  const check = new Checker('filterLabels', context);
  check.dtype(stack, ['uint8', 'uint16', 'int32', 'uint32']);
  const minArea = check.number('minArea', 0, { min: 0, max: 2 ** 31, integer: true });
  const maxArea = check.number('maxArea', 2 ** 31, { min: minArea, max: 2 ** 31, integer: true });
  const excludeBorder = check.boolean('excludeBorder', false);
  return mapPlanes(stack, check, 'int32', (plane, out, size) => {
    out.set(keepLabels(plane, size, { minArea, maxArea, excludeBorder }));
  });
}

export interface LabelFilter {
  minArea: number;
  maxArea: number;
  excludeBorder: boolean;
}

/** One plane's labels filtered and renumbered 1…n. */
export function keepLabels(
  labels: TypedArray,
  { height, width }: PlaneSize,
  filter: LabelFilter
): Int32Array {
  let max = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
  const area = new Float64Array(max + 1);
  for (let i = 0; i < labels.length; i++) area[labels[i]]++;
  const drop = new Uint8Array(max + 1);
  for (let l = 1; l <= max; l++)
    drop[l] = area[l] < filter.minArea || area[l] > filter.maxArea ? 1 : 0;
  if (filter.excludeBorder) {
    const last = (height - 1) * width;
    for (let x = 0; x < width; x++) drop[labels[x]] = drop[labels[last + x]] = 1;
    for (let y = 0; y < height; y++)
      drop[labels[y * width]] = drop[labels[y * width + width - 1]] = 1;
  }
  const renumber = new Int32Array(max + 1);
  let next = 0;
  for (let l = 1; l <= max; l++) if (area[l] > 0 && !drop[l]) renumber[l] = ++next;
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = renumber[labels[i]];
  return out;
}
