import {
  compareWells,
  formatImageXpressName,
  parseImageXpressName,
  parseImageXpressNameOrThrow,
  splitWell
} from './image-xpress.js';

describe('ImageXpress names', () => {
  it('parses every part of a full name', () => {
    expect(parseImageXpressName('A01_s001_w1_z002_t003.tif')).toEqual({
      prefix: null,
      well: 'A01',
      site: 1,
      channel: 1,
      z_index: 2,
      timepoint: 3,
      extension: '.tif'
    });
  });

  it('tolerates missing parts as null', () => {
    const p = parseImageXpressName('B12_w3.TIF');
    expect(p).toMatchObject({
      well: 'B12',
      site: null,
      channel: 3,
      z_index: null,
      timepoint: null,
      extension: '.TIF'
    });
    expect(parseImageXpressName('C07.tiff')).toMatchObject({
      well: 'C07',
      site: null,
      channel: null
    });
    expect(parseImageXpressName('A01_s2_t5.tif')).toMatchObject({
      site: 2,
      channel: null,
      z_index: null,
      timepoint: 5
    });
  });

  it('keeps a plate prefix and does not mistake the site for a well', () => {
    expect(parseImageXpressName('MyPlate_2024_H03_s10_w2.tif')).toMatchObject({
      prefix: 'MyPlate_2024',
      well: 'H03',
      site: 10,
      channel: 2
    });
    expect(parseImageXpressName('A01_s001_w1.tif')).toMatchObject({
      prefix: null,
      well: 'A01',
      site: 1
    });
  });

  it('keeps the GUID MetaXpress appends to exported names', () => {
    const name = 'Plate1_B03_s2_w12F3A4B5C-1111-2222-3333-444455556666.tif';
    expect(parseImageXpressName(name)).toMatchObject({
      prefix: 'Plate1',
      well: 'B03',
      site: 2,
      channel: 1,
      guid: '2F3A4B5C-1111-2222-3333-444455556666'
    });
    expect(formatImageXpressName(parseImageXpressName(name)!)).toBe(name);
    expect(parseImageXpressName('A01_s1_w2-not-a-guid.tif')).toBeNull();
  });

  it('upper-cases the well and accepts 1536-well names', () => {
    expect(parseImageXpressName('af48_s1.tif')?.well).toBe('AF48');
  });

  it('rejects names that are not ImageXpress', () => {
    for (const bad of [
      'image.tif',
      'A01_s001_w1.png',
      'r01c01f01p01-ch1sk1fk1fl1.tiff',
      'A01-s1.tif',
      'A01_x1.tif',
      '',
      'A01_s_w1.tif',
      'A01_s1_w1.tif.bak'
    ]) {
      expect(parseImageXpressName(bad)).toBeNull();
    }
    expect(() => parseImageXpressNameOrThrow('image.tif')).toThrow(/'image.tif'.*expected <well>/);
  });

  it('round-trips through format, keeping padding and prefix', () => {
    for (const name of [
      'A01_s001_w1_z001_t001.tif',
      'A01_s1_w2.TIF',
      'P24_z010.tiff',
      'Plate_X_B03_s0002_w12_t0001.tif',
      'H12.tif'
    ]) {
      const parsed = parseImageXpressName(name);
      expect(parsed).not.toBeNull();
      expect(formatImageXpressName(parsed!)).toBe(name);
    }
  });

  it('formats with default padding and leaves out null parts', () => {
    expect(
      formatImageXpressName({ well: 'A01', site: 1, channel: 2, z_index: 3, timepoint: 4 })
    ).toBe('A01_s001_w2_z003_t004.tif');
    expect(formatImageXpressName({ well: 'B02', site: null, channel: 1 })).toBe('B02_w1.tif');
    expect(() => formatImageXpressName({ well: 'nope' })).toThrow(/Well 'nope'/);
    expect(() => formatImageXpressName({ well: 'A01', site: 1.5 })).toThrow(
      /site must be a non-negative integer/
    );
  });

  it('sorts wells in plate order', () => {
    expect(['B01', 'A10', 'AA01', 'A02', 'Z24'].sort(compareWells)).toEqual([
      'A02',
      'A10',
      'B01',
      'Z24',
      'AA01'
    ]);
    expect(splitWell('C07')).toEqual({ row: 'C', column: 7 });
  });
});
