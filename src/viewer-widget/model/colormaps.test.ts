import { COLORMAPS } from '../../protocol/components.js';
import { colormapLut } from './colormaps.js';

const rgb = (lut: Uint8Array, i: number) => [
  lut[i * 4],
  lut[i * 4 + 1],
  lut[i * 4 + 2],
  lut[i * 4 + 3]
];

describe('colormap LUTs', () => {
  it('has 256 opaque entries for every colormap of the protocol', () => {
    for (const name of COLORMAPS) {
      const lut = colormapLut(name);
      expect(lut.length).toBe(1024);
      expect(rgb(lut, 0)[3]).toBe(255);
      expect(rgb(lut, 255)[3]).toBe(255);
    }
  });

  it('solid maps are black at 0 so channels add up', () => {
    expect(rgb(colormapLut('gray'), 255)).toEqual([255, 255, 255, 255]);
    expect(rgb(colormapLut('green'), 0)).toEqual([0, 0, 0, 255]);
    expect(rgb(colormapLut('green'), 255)).toEqual([0, 255, 0, 255]);
    expect(rgb(colormapLut('magenta'), 255)).toEqual([255, 0, 255, 255]);
    expect(rgb(colormapLut('yellow'), 128)).toEqual([128, 128, 0, 255]);
  });

  it('viridis runs from dark purple to yellow', () => {
    const lut = colormapLut('viridis');
    expect(rgb(lut, 0)).toEqual([68, 1, 84, 255]); // #440154
    expect(rgb(lut, 255)).toEqual([253, 231, 37, 255]); // #fde725
  });
});
