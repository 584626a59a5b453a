import { Dims } from './dims.js';
import { GridModel, plateLayout, type GridPlane } from './grid.js';

const wells96 = 'ABCDEFGH'
  .split('')
  .flatMap(r => Array.from({ length: 12 }, (_, c) => `${r}${String(c + 1).padStart(2, '0')}`));

describe('plateLayout', () => {
  it('lays 96 wells out as the plate: 8 rows A–H × 12 columns', () => {
    const g = plateLayout(wells96);
    expect([g.rows, g.cols]).toEqual([8, 12]);
    expect(g.rowNames.join('')).toBe('ABCDEFGH');
    expect(g.cells.find(c => c.well === 'A01')).toMatchObject({ row: 0, col: 0 });
    expect(g.cells.find(c => c.well === 'H12')).toMatchObject({ row: 7, col: 11 });
    expect(g.cells.find(c => c.well === 'C05')).toMatchObject({
      row: 2,
      col: 4,
      label: 'Well C05'
    });
  });

  it('picks the smallest standard format holding the wells streamed so far', () => {
    expect(plateLayout(['A01', 'B02']).rows).toBe(2);
    expect(plateLayout(['A01', 'B02']).cols).toBe(3);
    const g = plateLayout(['A01', 'D06', 'B7']);
    expect([g.rows, g.cols]).toEqual([6, 8]);
    const big = plateLayout(['A1', 'AF48']);
    expect([big.rows, big.cols]).toEqual([32, 48]);
    expect(big.cells[1]).toMatchObject({ row: 31, col: 47 });
    expect(big.rowNames[26]).toBe('AA');
  });

  it('lays wells that are not named as on a plate out in reading order', () => {
    const g = plateLayout(['x', 'y', 'z', 7, 'w'], ['Well x']);
    expect([g.rows, g.cols]).toEqual([2, 3]);
    expect(g.cells.map(c => [c.row, c.col])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1]
    ]);
    expect(g.cells[0].label).toBe('Well x');
    expect(g.cells[1].label).toBe('Well y');
  });
});

describe('GridModel', () => {
  it('asks for the planes of each well at the current position on the other axes', () => {
    const dims = new Dims({ followNewest: false });
    dims.setAxes([
      { name: 'well', values: ['A01', 'A02'], labels: [] },
      { name: 'channel', values: [1, 2], labels: [] }
    ]);
    dims.setIndex('channel', 1);
    const asked: unknown[] = [];
    const grid = new GridModel(dims, at => (asked.push(at), [] as GridPlane[]));
    expect(grid.available).toBe(true);
    grid.planesOf('A02');
    expect(asked).toEqual([{ well: 'A02', channel: 2 }]);
    grid.open('A02');
    expect(dims.value('well')).toBe('A02');
    expect(dims.followNewest).toBe(false);
  });

  it('is not available with a single well', () => {
    const dims = new Dims();
    dims.setAxes([{ name: 'well', values: ['A01'], labels: [] }]);
    expect(new GridModel(dims, () => []).available).toBe(false);
  });
});
