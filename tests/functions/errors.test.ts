/** Bad input: each error names the step, the function and the allowed values. */
import {
  fn,
  gaussian,
  maxProjection,
  measureRegions,
  median,
  segmentNuclei,
  thresholdOtsu
} from '../../src/runtime/functions/index.js';
import type { NdArray } from '../../src/runtime/model/image-data.js';

const plane: NdArray = { data: new Uint16Array(16), shape: [4, 4], dtype: 'uint16' };
const ctx = (args: Record<string, unknown>) => ({ step: 'Smooth', args });

test('a parameter out of range', async () => {
  await expect(gaussian(plane, ctx({ sigma: -1 }))).rejects.toThrow(
    "Step 'Smooth', function gaussian: parameter sigma = -1 is out of range; allowed: a number > 0 and ≤ 100"
  );
  await expect(median(plane, ctx({ size: 7 }))).rejects.toThrow(
    "Step 'Smooth', function median: parameter size = 7 is not allowed; allowed: 3, 5"
  );
  await expect(gaussian(plane, ctx({ sigma: 'wide' }))).rejects.toThrow('is not a number');
});

test('a wrong dtype', async () => {
  const ints: NdArray = { data: new Int32Array(16), shape: [4, 4], dtype: 'int32' };
  await expect(thresholdOtsu(ints, ctx({}))).rejects.toThrow(
    "Step 'Smooth', function thresholdOtsu: dtype int32 is not supported; allowed: uint8, int8, uint16, int16, float32, float64"
  );
  await expect(median(ints, ctx({}))).rejects.toThrow('allowed: uint8, uint16, float32');
});

test('a 4D array where planes are needed, and one plane where a stack is needed', async () => {
  const four: NdArray = { data: new Uint16Array(32), shape: [2, 1, 4, 4], dtype: 'uint16' };
  await expect(gaussian(four, ctx({}))).rejects.toThrow(
    'function gaussian: needs a plane [y, x] or a stack of planes [n, y, x], got shape [2, 1, 4, 4]'
  );
  expect(() => maxProjection(four, ctx({}))).toThrow('function maxProjection: needs a plane');
  expect(() => measureRegions(plane, ctx({}))).toThrow('n ≥ 2 planes');
  await expect(segmentNuclei(plane, ctx({ nucleiChannel: 1 }))).rejects.toThrow(
    'parameter nucleiChannel = 1 is out of range; allowed: an integer ≥ 0 and ≤ 0'
  );
});

test('fn() refers to a function of this module and refuses unknown names', () => {
  expect(fn('gaussian', { sigma: 2 })).toMatchObject({ export: 'gaussian', args: { sigma: 2 } });
  expect(fn('gaussian').module).toMatch(/functions\/index\.(ts|js)$/);
  expect(() => fn('gauss' as never)).toThrow("unknown function 'gauss'; allowed: gaussian, median");
});
