import { autoContrast, histogram, percentile, sliderHistogram } from './histogram.js';

describe('histogram and auto contrast', () => {
  it('bins uint8 exactly', () => {
    const h = histogram(new Uint8Array([0, 1, 1, 255]));
    expect(h.counts.length).toBe(256);
    expect([h.counts[0], h.counts[1], h.counts[255]]).toEqual([1, 2, 1]);
    expect(h.total).toBe(4);
  });

  it('ignores a few hot pixels in uint16 (0.1–99.9 percentiles)', () => {
    const data = new Uint16Array(100_000);
    for (let i = 0; i < data.length; i++) data[i] = 1000 + (i % 1000); // 1000..1999
    for (let i = 0; i < 20; i++) data[i * 97] = 65535; // 0.02 % saturated
    const [lo, hi] = autoContrast(data);
    expect(lo).toBeGreaterThanOrEqual(1000);
    expect(lo).toBeLessThanOrEqual(1002);
    expect(hi).toBeGreaterThanOrEqual(1997);
    expect(hi).toBeLessThan(2000);
  });

  it('handles float32 with NaN and negative values', () => {
    const data = new Float32Array(10_001);
    for (let i = 0; i < data.length; i++) data[i] = -1 + (2 * i) / (data.length - 1);
    data[5] = NaN;
    const [lo, hi] = autoContrast(data, 0, 100);
    expect(lo).toBeCloseTo(-1, 3);
    expect(hi).toBeCloseTo(1, 3);
    const h = histogram(data);
    expect(h.total).toBe(10_000);
  });

  it('gives a flat image a non-empty range', () => {
    expect(autoContrast(new Uint16Array(64).fill(7))).toEqual([7, 8]);
    expect(autoContrast(new Float32Array(64).fill(0.5))).toEqual([0.5, 1.5]);
    expect(autoContrast(new Float32Array([NaN, NaN]))).toEqual([0, 1]);
  });

  it('percentile walks the cumulative counts', () => {
    const data = new Uint8Array(100);
    for (let i = 0; i < 100; i++) data[i] = i;
    const h = histogram(data);
    expect(percentile(h, 50)).toBe(49);
    expect(percentile(h, 100)).toBe(99);
    expect(percentile(h, 0)).toBe(0);
  });

  it('samples large planes with a stride but keeps the percentiles', () => {
    const data = new Uint16Array(2048 * 2048);
    for (let i = 0; i < data.length; i++) data[i] = i % 4096;
    const h = histogram(data);
    expect(h.total).toBeLessThanOrEqual((1 << 20) + 1);
    const [lo, hi] = autoContrast(data);
    expect(lo).toBeLessThan(10);
    expect(hi).toBeGreaterThan(4080);
  });
});

describe('slider histogram', () => {
  it('spans the plane and the limits, in equal bins', () => {
    const data = new Uint16Array([100, 100, 150, 200]);
    const h = sliderHistogram(data, [50, 300], 5);
    expect([h.min, h.max]).toEqual([50, 300]);
    expect([...h.counts]).toEqual([0, 2, 1, 1, 0]); // bins of 50 from 50
  });

  it('keeps uint8 on 0–255 and survives a flat float plane with NaN', () => {
    expect(sliderHistogram(new Uint8Array([3, 4]), [3, 5], 4)).toMatchObject({ min: 0, max: 255 });
    const h = sliderHistogram(new Float32Array([2, 2, NaN]), [2, 2], 4);
    expect([h.min, h.max, h.counts[0]]).toEqual([2, 3, 2]);
  });
});
