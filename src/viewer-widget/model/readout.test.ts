import type { Plane } from './plane.js';
import { readoutAt, readoutParts, valueAt, type ReadoutLayer } from './readout.js';

/** A plane whose pixel (x, y) holds 10 * y + x, at `shape` (maybe a downsampled level). */
function plane(shape: [number, number], dtype: Plane['dtype'] = 'uint16'): Plane {
  const [h, w] = shape;
  const data = dtype === 'float32' ? new Float32Array(h * w) : new Uint16Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = 10 * y + x;
  return { layer: 'l', values: [], level: 0, revision: 1, shape, dtype, data };
}

describe('pixel readout', () => {
  const cells: ReadoutLayer = { key: 'source_Cells', plane: plane([4, 4]), fullShape: [4, 4] };
  it('gives [y, x] and the value of each layer with a pixel there, in layer order', () => {
    const small: ReadoutLayer = { key: 'small', plane: plane([2, 2]), fullShape: [2, 2] };
    const r = readoutAt([cells, small], 1.7, 3.2)!;
    expect(r).toEqual({ y: 3, x: 1, values: [{ key: 'source_Cells', value: 31 }] });
    expect(readoutParts(r)).toEqual(['[y, x] [3, 1]', 'source_Cells: 31']);
    expect(readoutAt([cells, small], 1, 1)!.values.map(v => v.key)).toEqual([
      'source_Cells',
      'small'
    ]);
  });
  it('is null outside every layer', () => {
    expect(readoutAt([cells], -1, 2)).toBeNull();
    expect(readoutAt([cells], 4, 0)).toBeNull();
    expect(readoutAt([], 1, 1)).toBeNull();
  });
  it('reads a downsampled plane at full-resolution coordinates', () => {
    // full 8×8 shown from a 4×4 level: full pixel (7, 5) is level pixel (3, 2)
    expect(valueAt(plane([4, 4]), [8, 8], 7, 5)).toBe(23);
  });
  it('writes floats with 5 significant digits', () => {
    const f = plane([1, 2], 'float32');
    f.data[1] = 0.123456789;
    const r = readoutAt([{ key: 'f', plane: f, fullShape: [1, 2] }], 1, 0)!;
    expect(readoutParts(r)[1]).toBe('f: 0.12346');
  });
});

describe('pixel readout with channels and a pixel size', () => {
  it('names a channel by its label and gives the point in the pixel size unit', () => {
    const p = plane([4, 4]);
    const dapi: ReadoutLayer = { key: 'l\u0000DAPI', label: 'DAPI', plane: p, fullShape: [4, 4] };
    const r = readoutAt([dapi], 1, 3, { x: 0.65, y: 0.5, unit: 'micrometer' })!;
    expect(readoutParts(r)).toEqual(['[y, x] [3, 1]', '[1.5, 0.65] µm', 'DAPI: 31']);
  });
});
