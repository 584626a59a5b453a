import { formatLength, scaleBar, unitSymbol } from './scale-bar.js';

describe('scale bar', () => {
  it('picks a round length no wider than the maximum', () => {
    // 0.65 µm pixels shown 1:1: 120 px are 78 µm, so 50 µm = 76.9 px
    const bar = scaleBar({ x: 0.65, y: 0.65, unit: 'micrometer' }, 1, 120)!;
    expect(bar.label).toBe('50 µm');
    expect(bar.widthPx).toBeCloseTo(50 / 0.65, 6);
    // zoomed 10×: 120 px are 7.8 µm → 5 µm
    expect(scaleBar({ x: 0.65, y: 0.65, unit: 'micrometer' }, 10, 120)!.label).toBe('5 µm');
    expect(scaleBar({ x: 2, y: 2, unit: 'nanometer' }, 0.5, 100)!.label).toBe('200 nm');
  });

  it('gives nothing without a zoom', () => {
    expect(scaleBar({ x: 1, y: 1, unit: 'micrometer' }, 0)).toBeNull();
  });

  it('names units by their symbols and rounds lengths to 3 digits', () => {
    expect(unitSymbol('micrometer')).toBe('µm');
    expect(unitSymbol('parsec')).toBe('parsec');
    expect(formatLength(0.32499)).toBe('0.325');
    expect(formatLength(41.6049)).toBe('41.6');
    expect(formatLength(1234.5)).toBe('1235');
  });
});
