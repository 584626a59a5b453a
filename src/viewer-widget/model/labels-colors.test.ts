import type { LayerInfo } from '../../protocol/viewer-api.js';
import { labelColor, labelsRgba } from './labels-colors.js';
import { Layer } from './layer.js';

const alpha = (rgba: Uint8Array) =>
  Array.from({ length: rgba.length / 4 }, (_, i) => rgba[4 * i + 3]);

describe('labelColor', () => {
  it('gives an id the same color every time, whatever ids came before (a hash, not a rank)', () => {
    const first = labelColor(17);
    for (let id = 1; id < 100; id++) labelColor(id);
    expect(labelColor(17)).toEqual(first);
    expect(labelColor(2 ** 31 + 5)).toEqual(labelColor(2 ** 31 + 5));
  });

  it('gives neighbouring ids clearly different colors, none of them dark or gray', () => {
    for (let id = 1; id < 500; id++) {
      const [r, g, b] = labelColor(id);
      const [r2, g2, b2] = labelColor(id + 1);
      expect(Math.abs(r - r2) + Math.abs(g - g2) + Math.abs(b - b2)).toBeGreaterThan(30);
      expect(Math.max(r, g, b)).toBeGreaterThanOrEqual(200); // value ≥ 0.8
      expect(Math.max(r, g, b) - Math.min(r, g, b)).toBeGreaterThan(100); // saturated
    }
  });
});

describe('labelsRgba', () => {
  // 6×6: a 4×4 square of id 3 at (1,1), one pixel of id 9 at (0,5), background 0 elsewhere
  const ids = new Uint32Array(36);
  for (let y = 1; y <= 4; y++) for (let x = 1; x <= 4; x++) ids[y * 6 + x] = 3;
  ids[5] = 9;

  it('fill: every pixel of an object in its color, 0 transparent', () => {
    const rgba = labelsRgba(ids, 6, 6, 'fill');
    expect(alpha(rgba)).toEqual(Array.from(ids, id => (id === 0 ? 0 : 255)));
    expect([...rgba.subarray(4 * 7, 4 * 7 + 3)]).toEqual(labelColor(3));
    expect([...rgba.subarray(4 * 5, 4 * 5 + 3)]).toEqual(labelColor(9));
  });

  it('outline: only the rim of each object, its inside transparent', () => {
    const a = alpha(labelsRgba(ids, 6, 6, 'outline'));
    const inside = [2 * 6 + 2, 2 * 6 + 3, 3 * 6 + 2, 3 * 6 + 3];
    for (const i of inside) expect(a[i]).toBe(0);
    expect(a.filter(v => v === 255).length).toBe(12 + 1); // 4×4 rim + the 1-pixel object
    expect(a[0]).toBe(0);
  });

  it('names the size mismatch', () => {
    expect(() => labelsRgba(new Uint8Array(3), 2, 2, 'fill')).toThrow(/3 pixels, 2×2 needs 4/);
  });
});

describe('a labels Layer', () => {
  const info = (kind?: 'labels'): LayerInfo => ({
    key: 'Nuclei',
    dtype: 'uint32',
    shape: [4, 4],
    axes: [],
    colormap: 'gray',
    range: [0, 12],
    image_count: 1,
    newest: [],
    revision: 1,
    ...(kind ? { kind } : {})
  });

  it('starts at opacity 0.7 filled; an image layer at 1 and is not labels', () => {
    const labels = new Layer(info('labels'));
    expect([labels.isLabels, labels.opacity, labels.labelsMode]).toEqual([true, 0.7, 'fill']);
    const image = new Layer(info());
    expect([image.isLabels, image.opacity]).toEqual([false, 1]);
  });

  it('keeps outline/fill in its saved display state and refuses an unknown mode', () => {
    const layer = new Layer(info('labels'));
    let changes = 0;
    layer.changed.connect(() => changes++);
    layer.labelsMode = 'outline';
    expect(changes).toBe(1);
    const saved = layer.displayState();
    expect(saved.labelsMode).toBe('outline');
    expect(new Layer(info('labels'), saved).labelsMode).toBe('outline');
    expect(() => (layer.labelsMode = 'dots' as 'fill')).toThrow(
      /unknown labels mode "dots"; use one of fill, outline/
    );
  });
});
