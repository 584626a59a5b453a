/**
 * Test images: nuclei-like blobs on an uneven background with noise, some blobs touching, as
 * uint16 planes; deterministic (seeded).
 */
import { mulberry32 } from '../../src/runtime/plate/synthetic-cells.js';
import type { NdArray } from '../../src/runtime/model/image-data.js';

export interface Blob {
  y: number;
  x: number;
  r: number;
}

export function nucleiPlane(size = 256, count = 30, seed = 7): { plane: NdArray; blobs: Blob[] } {
  const rand = mulberry32(seed);
  const blobs: Blob[] = [];
  for (let i = 0; i < count; i++)
    blobs.push({ y: 12 + rand() * (size - 24), x: 12 + rand() * (size - 24), r: 5 + rand() * 5 });
  // Two pairs that touch, for the watershed.
  blobs.push({ y: size / 2, x: size / 2 - 8, r: 8 }, { y: size / 2, x: size / 2 + 8, r: 8 });
  const data = new Uint16Array(size * size);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      let v = 800 + 3 * x + 2 * y + rand() * 200;
      for (const b of blobs) {
        const d2 = (y - b.y) ** 2 + (x - b.x) ** 2;
        if (d2 < b.r * b.r * 4) v += 6000 * Math.exp(-d2 / (2 * (b.r * 0.7) ** 2));
      }
      data[y * size + x] = Math.min(65535, Math.round(v));
    }
  return { plane: { data, shape: [size, size], dtype: 'uint16' }, blobs };
}

/** Largest absolute difference between two arrays of equal length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Agreement of two label images up to relabeling: the fraction of pixels whose label maps
 * one-to-one (each label of `a` paired with the label of `b` it overlaps most, and back).
 */
export function labelAgreement(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const pairs = new Map<string, number>();
  for (let i = 0; i < a.length; i++) {
    const k = `${a[i]},${b[i]}`;
    pairs.set(k, (pairs.get(k) ?? 0) + 1);
  }
  const bestA = new Map<number, [number, number]>();
  const bestB = new Map<number, [number, number]>();
  for (const [k, n] of pairs) {
    const [la, lb] = k.split(',').map(Number);
    if ((bestA.get(la)?.[1] ?? -1) < n) bestA.set(la, [lb, n]);
    if ((bestB.get(lb)?.[1] ?? -1) < n) bestB.set(lb, [la, n]);
  }
  let agree = 0;
  for (const [la, [lb, n]] of bestA) if (bestB.get(lb)?.[0] === la) agree += n;
  return agree / a.length;
}

export function distinctLabels(a: ArrayLike<number>): number {
  const s = new Set<number>();
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) s.add(a[i]);
  return s.size;
}
