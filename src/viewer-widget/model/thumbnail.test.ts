import { composeThumbnail, type ThumbnailLayer } from './thumbnail.js';

const layer = (over: Partial<ThumbnailLayer>): ThumbnailLayer => ({
  data: Uint16Array.from([0, 100, 200, 300]),
  shape: [2, 2],
  fullShape: [2, 2],
  contrast: [0, 300],
  colormap: 'gray',
  opacity: 1,
  ...over
});

const px = (rgba: Uint8ClampedArray, size: number, x: number, y: number) =>
  Array.from(rgba.slice((y * size + x) * 4, (y * size + x) * 4 + 4));

describe('composeThumbnail', () => {
  it('maps values through contrast and colormap, scaled to the tile', () => {
    const out = composeThumbnail([layer({})], 4);
    expect(px(out, 4, 0, 0)).toEqual([0, 0, 0, 255]);
    expect(px(out, 4, 3, 0)).toEqual([85, 85, 85, 255]); // 100 of 0..300
    expect(px(out, 4, 3, 3)).toEqual([255, 255, 255, 255]);
  });

  it('adds layers as the canvas blends them, saturating', () => {
    const red = layer({ colormap: 'red', data: Uint16Array.from([300, 300, 300, 300]) });
    const green = layer({ colormap: 'green', opacity: 0.5 });
    const out = composeThumbnail([red, green, red], 2);
    expect(px(out, 2, 1, 1)).toEqual([255, 128, 0, 255]);
  });

  it('keeps the aspect of a wide image, centred, and reads a downsampled level', () => {
    // full 2 × 4, sent as a 1 × 2 level: left half 0, right half max
    const wide = layer({ data: Uint16Array.from([0, 300]), shape: [1, 2], fullShape: [2, 4] });
    const out = composeThumbnail([wide], 4);
    expect(px(out, 4, 0, 0)).toEqual([0, 0, 0, 255]); // above the image
    expect(px(out, 4, 3, 1)[0]).toBe(255);
    expect(px(out, 4, 0, 1)[0]).toBe(0);
    expect(px(out, 4, 3, 3)[0]).toBe(0); // below the image
  });

  it('applies gamma after contrast and refuses a buffer of the wrong size', () => {
    const g = composeThumbnail([layer({ gamma: 2 })], 2);
    expect(px(g, 2, 1, 0)[0]).toBe(Math.round((100 / 300) ** 2 * 255));
    expect(() => composeThumbnail([], 4, new Uint8ClampedArray(8))).toThrow(/8 bytes for a 4²/);
  });
});
