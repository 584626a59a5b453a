/**
 * Labeling, watershed, label filtering, measurements and the nuclei step against
 * scikit-image on the same input; labels compared up to relabeling. Tolerances per test.
 */
import {
  filterLabels,
  labelComponents,
  measureRegions,
  segmentNuclei,
  thresholdOtsu,
  watershedSplit
} from '../../src/runtime/functions/index.js';
import type { NdArray } from '../../src/runtime/model/image-data.js';
import { distinctLabels, labelAgreement, maxAbsDiff, nucleiPlane } from './sample.js';
import { skimage } from './skimage.js';

const { plane } = nucleiPlane(256, 30, 7);
let mask: NdArray;
let ref: Record<string, NdArray>;

beforeAll(async () => {
  mask = await thresholdOtsu(plane);
  ref = await skimage(
    `
from skimage import measure, segmentation, feature, filters, morphology
from scipy import ndimage
import numpy as np
p = a['plane']; m = a['mask'].astype(bool)
out['label8'] = measure.label(m, connectivity=2)
out['label4'] = measure.label(m, connectivity=1)
d = ndimage.distance_transform_edt(m)
peaks = feature.peak_local_max(d, min_distance=5, exclude_border=False, labels=measure.label(m))
markers = np.zeros(m.shape, np.int32)
markers[tuple(peaks.T)] = 1
markers = measure.label(markers, connectivity=2)
out['ws'] = segmentation.watershed(-d, markers, mask=m)
lab = out['ws']
kept = morphology.remove_small_objects(lab, max_size=59)
kept = segmentation.clear_border(kept)
out['filtered'] = segmentation.relabel_sequential(kept)[0]
t = measure.regionprops_table(out['label8'], p, properties=('label','area','centroid','intensity_mean','intensity_min','intensity_max'))
out['props'] = np.stack([t['label'], t['area'], t['centroid-0'], t['centroid-1'], t['intensity_mean'], t['intensity_min'], t['intensity_max']], axis=1).astype(np.float64)
`,
    { plane, mask }
  );
});

test('labeling equals skimage.measure.label up to relabeling (exact), 8- and 4-connectivity', async () => {
  const l8 = await labelComponents(mask);
  expect(l8.dtype).toBe('int32');
  expect(distinctLabels(l8.data)).toBe(distinctLabels(ref.label8.data));
  expect(labelAgreement(l8.data, ref.label8.data)).toBe(1);
  const l4 = await labelComponents(mask, { args: { connectivity: 4 } });
  expect(labelAgreement(l4.data, ref.label4.data)).toBe(1);
});

test('watershed split: same object count as skimage, ≥ 99 % of pixels agree up to relabeling', async () => {
  const ws = await watershedSplit(mask, { args: { minDistance: 5 } });
  const plain = distinctLabels((await labelComponents(mask)).data);
  // The test image has touching pairs, so a working split finds more objects than labeling.
  expect(distinctLabels(ws.data)).toBeGreaterThan(plain);
  expect(distinctLabels(ws.data)).toBe(distinctLabels(ref.ws.data));
  expect(labelAgreement(ws.data, ref.ws.data)).toBeGreaterThanOrEqual(0.99);
});

test('size and border filtering equal remove_small_objects + clear_border + relabel_sequential', async () => {
  const filtered = await filterLabels(ref.ws, { args: { minArea: 60, excludeBorder: true } });
  expect(maxAbsDiff(filtered.data, ref.filtered.data)).toBe(0);
});

test('region measurements equal regionprops_table (exact; centroids and means within 1e-9)', () => {
  const stack: NdArray = {
    data: Int32Array.from([...plane.data, ...ref.label8.data]),
    shape: [2, 256, 256],
    dtype: 'int32'
  };
  const out = measureRegions(stack, { planes: [{ channel: 1 }, { channel: null }] as never });
  const table = out.table!;
  expect(table.columns).toEqual([
    'label',
    'area',
    'centroid_y',
    'centroid_x',
    'mean_ch1',
    'min_ch1',
    'max_ch1'
  ]);
  const props = ref.props;
  expect(table.rows.length).toBe(props.shape[0]);
  const flat = table.rows.flat() as number[];
  expect(maxAbsDiff(flat, props.data)).toBeLessThan(1e-9);
});

test('segmentNuclei on a two-channel stack: labels and a table with both channels', async () => {
  const stack: NdArray = {
    data: Uint16Array.from([...plane.data, ...plane.data.map(v => v >> 1)]),
    shape: [2, 256, 256],
    dtype: 'uint16'
  };
  const out = await segmentNuclei(stack, {
    step: 'Nuclei',
    planes: [{ channel: 1 }, { channel: 2 }] as never,
    args: { sigma: 0, minDistance: 5 }
  });
  expect(out.shape).toEqual([1, 256, 256]);
  expect(labelAgreement(out.data, ref.ws.data)).toBeGreaterThanOrEqual(0.99);
  expect(out.table!.columns.slice(4)).toEqual([
    'mean_ch1',
    'min_ch1',
    'max_ch1',
    'mean_ch2',
    'min_ch2',
    'max_ch2'
  ]);
  expect(out.table!.rows.length).toBe(distinctLabels(ref.ws.data));
});
