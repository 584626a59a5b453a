/**
 * Filters, projections, normalization and thresholds against scikit-image / numpy on the same
 * input. Tolerances are stated per function.
 */
import {
  gaussian,
  maxProjection,
  meanProjection,
  median,
  normalizePercentile,
  subtractBackground,
  sumProjection,
  thresholdLi,
  thresholdOtsu
} from '../../src/runtime/functions/index.js';
import type { NdArray } from '../../src/runtime/model/image-data.js';
import { maxAbsDiff, nucleiPlane } from './sample.js';
import { skimage } from './skimage.js';

const { plane } = nucleiPlane(256, 30, 7);
const stack: NdArray = {
  data: Uint16Array.from(
    { length: 3 * 256 * 256 },
    (_, i) => (plane.data[i % 65536] * (1 + (i >> 16))) % 65536
  ),
  shape: [3, 256, 256],
  dtype: 'uint16'
};

let ref: Record<string, NdArray>;
beforeAll(async () => {
  ref = await skimage(
    `
from skimage import filters, morphology
import numpy as np
from scipy import ndimage
p = a['plane']; s = a['stack']
out['gauss'] = np.clip(np.round(filters.gaussian(p, sigma=2, preserve_range=True)), 0, 65535).astype(np.uint16)
out['median3'] = ndimage.median_filter(p, size=3, mode='nearest')
out['median5'] = ndimage.median_filter(p, size=5, mode='nearest')
out['tophat'] = morphology.white_tophat(p, morphology.disk(10))
lo, hi = np.percentile(p, [1, 99.8])
out['norm'] = np.clip((p.astype(np.float64) - lo) / (hi - lo), 0, 1).astype(np.float32)
out['max'] = s.max(axis=0); out['mean'] = s.mean(axis=0).astype(np.float32); out['sum'] = s.sum(axis=0).astype(np.float64)
out['otsu'] = np.array(filters.threshold_otsu(p), dtype=np.float64)
out['li'] = np.array(filters.threshold_li(p), dtype=np.float64)
out['otsu_mask'] = p > filters.threshold_otsu(p)
out['li_mask'] = p > filters.threshold_li(p)
`,
    { plane, stack }
  );
});

test('gaussian σ = 2 equals skimage.filters.gaussian within 1 grey level (rounding of uint16)', async () => {
  const out = await gaussian(plane, { args: { sigma: 2 } });
  expect(out.dtype).toBe('uint16');
  expect(out.shape).toEqual([256, 256]);
  expect(maxAbsDiff(out.data, ref.gauss.data)).toBeLessThanOrEqual(1);
});

test('median 3×3 and 5×5 equal scipy median_filter exactly', async () => {
  expect(maxAbsDiff((await median(plane, { args: { size: 3 } })).data, ref.median3.data)).toBe(0);
  expect(maxAbsDiff((await median(plane, { args: { size: 5 } })).data, ref.median5.data)).toBe(0);
});

test('background subtraction equals white_tophat(disk(10)) exactly away from the border (10 px)', async () => {
  const out = await subtractBackground(plane, { args: { radius: 10 } });
  let worst = 0;
  for (let y = 10; y < 246; y++)
    for (let x = 10; x < 246; x++) {
      const i = y * 256 + x;
      worst = Math.max(worst, Math.abs(out.data[i] - ref.tophat.data[i]));
    }
  expect(worst).toBe(0);
});

test('percentile normalization equals numpy within 1e-6', async () => {
  const out = await normalizePercentile(plane, { args: { low: 1, high: 99.8 } });
  expect(out.dtype).toBe('float32');
  expect(maxAbsDiff(out.data, ref.norm.data)).toBeLessThan(1e-6);
});

test('max, mean and sum projections equal numpy (exact; mean within float32 rounding 1e-3)', () => {
  expect(maxAbsDiff(maxProjection(stack).data, ref.max.data)).toBe(0);
  expect(maxAbsDiff(meanProjection(stack).data, ref.mean.data)).toBeLessThan(1e-3);
  expect(maxAbsDiff(sumProjection(stack).data, ref.sum.data)).toBe(0);
  expect(maxProjection(stack).shape).toEqual([1, 256, 256]);
});

test('Otsu: the same mask as image > threshold_otsu(image) (exact)', async () => {
  const out = await thresholdOtsu(plane);
  expect(out.dtype).toBe('uint8');
  expect(maxAbsDiff(out.data, ref.otsu_mask.data)).toBe(0);
});

test('Li: masks agree on ≥ 99.5 % of pixels (image-js iterates on the histogram, skimage on the values)', async () => {
  const out = await thresholdLi(plane);
  let same = 0;
  for (let i = 0; i < out.data.length; i++) if (out.data[i] === ref.li_mask.data[i]) same++;
  expect(same / out.data.length).toBeGreaterThanOrEqual(0.995);
});
