import { applyWellFilter, WellFilterError } from './well-filter.js';

const wells = ['B02', 'A01', 'A02', 'A10', 'B01', 'C03'];

describe('applyWellFilter', () => {
  it('keeps every well, in plate order, without a filter', () => {
    expect(applyWellFilter(wells, null)).toEqual(['A01', 'A02', 'A10', 'B01', 'B02', 'C03']);
  });

  it('takes the first N wells in plate order', () => {
    expect(applyWellFilter(wells, 2)).toEqual(['A01', 'A02']);
    expect(applyWellFilter(wells, 2, 'exclude')).toEqual(['A10', 'B01', 'B02', 'C03']);
  });

  it('takes an explicit list, matching A1 to A01', () => {
    expect(applyWellFilter(wells, ['b2', 'A1'])).toEqual(['A01', 'B02']);
    expect(applyWellFilter(wells, 'A01,C03')).toEqual(['A01', 'C03']);
  });

  it('takes rows and columns, single, ranges and lists', () => {
    expect(applyWellFilter(wells, 'row:A')).toEqual(['A01', 'A02', 'A10']);
    expect(applyWellFilter(wells, 'row:B-C')).toEqual(['B01', 'B02', 'C03']);
    expect(applyWellFilter(wells, 'col:01-02')).toEqual(['A01', 'A02', 'B01', 'B02']);
    expect(applyWellFilter(wells, 'col:10,3')).toEqual(['A10', 'C03']);
    expect(applyWellFilter(wells, 'row:A', 'exclude')).toEqual(['B01', 'B02', 'C03']);
  });

  it.each([
    [0, /whole number ≥ 1/],
    [1.5, /whole number ≥ 1/],
    ['row:1', /not a row letter/],
    ['col:A', /not a column number/],
    ['row:C-A', /runs backwards/],
    [['A01', 'Z99'], /'Z99' is not on the plate/],
    [['nope'], /'nope' is not a well name/],
    [[], /empty/]
  ])('rejects %p with a clear error and examples', (filter, message) => {
    const call = () => applyWellFilter(wells, filter as never);
    expect(call).toThrow(WellFilterError);
    expect(call).toThrow(message);
    expect(call).toThrow(/Valid well filters: 3 \(first 3 wells\)/);
  });

  it('rejects an unknown mode', () => {
    expect(() => applyWellFilter(wells, 2, 'only' as never)).toThrow(/'include' or 'exclude'/);
  });
});
