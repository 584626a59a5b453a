import { runTiles, SideBySide, tileAt, tileRects, tileShape } from './side-by-side.js';

const live = (key: string) => ({ key });
const disk = (key: string) => ({ key, origin: 'disk' as const });

describe('runTiles', () => {
  it('puts each kept run in its own tile, then the live run, named as the user sees them', () => {
    const tiles = runTiles([
      live('source_Cells'),
      live('source_Cells (run 2)'),
      live('source_Cells (run 1)'),
      live('mask_Cells (run 1)'),
      live('mask_Cells')
    ]);
    expect(tiles).toEqual([
      { id: 'run 1', label: 'run 1', layers: ['source_Cells (run 1)', 'mask_Cells (run 1)'] },
      { id: 'run 2', label: 'run 2', layers: ['source_Cells (run 2)'] },
      { id: 'live', label: 'run 3 (live)', layers: ['source_Cells', 'mask_Cells'] }
    ]);
  });

  it('gives each layer from disk its own tile, after the runs; restored layers stay in their run', () => {
    const tiles = runTiles([
      disk('plate.zarr'),
      { key: 'source_Cells', origin: 'restored' as const },
      { key: 'source_Cells (run 1)', origin: 'restored' as const },
      disk('other.zarr')
    ]);
    expect(tiles.map(t => [t.label, t.layers])).toEqual([
      ['run 1', ['source_Cells (run 1)']],
      ['run 2 (live)', ['source_Cells']],
      ['plate.zarr', ['plate.zarr']],
      ['other.zarr', ['other.zarr']]
    ]);
  });

  it('names the live run "live" while no run was kept', () => {
    expect(runTiles([live('a'), live('b')])).toEqual([
      { id: 'live', label: 'live', layers: ['a', 'b'] }
    ]);
    expect(runTiles([])).toEqual([]);
  });
});

describe('tileShape', () => {
  it('puts two runs beside each other in a wide panel and above each other in a tall one', () => {
    expect(tileShape(2, 800, 400)).toEqual({ cols: 2, rows: 1 });
    expect(tileShape(2, 400, 800)).toEqual({ cols: 1, rows: 2 });
  });

  it('weighs the image aspect: wide images stack in a square panel', () => {
    expect(tileShape(2, 600, 600, 400, 100)).toEqual({ cols: 1, rows: 2 });
    expect(tileShape(2, 600, 600, 100, 400)).toEqual({ cols: 2, rows: 1 });
  });

  it('makes a square-ish grid for many tiles, with no more cells than needed on a tie', () => {
    expect(tileShape(4, 600, 600)).toEqual({ cols: 2, rows: 2 });
    expect(tileShape(3, 900, 300)).toEqual({ cols: 3, rows: 1 });
    expect(tileShape(1, 300, 900)).toEqual({ cols: 1, rows: 1 });
  });
});

describe('tileRects and tileAt', () => {
  it('splits the canvas into equal tiles with gaps, row by row', () => {
    const rects = tileRects({ cols: 2, rows: 1 }, 204, 100, 4);
    expect(rects).toEqual([
      { x: 0, y: 0, width: 100, height: 100 },
      { x: 104, y: 0, width: 100, height: 100 }
    ]);
    expect(tileAt(rects, 10, 50)).toBe(0);
    expect(tileAt(rects, 150, 50)).toBe(1);
    expect(tileAt(rects, 102, 50)).toBe(-1); // the gap
    expect(tileAt(rects, 300, 50)).toBe(-1);
  });
});

describe('SideBySide', () => {
  it('tiles only when on and there are two runs to compare; says so when it changes', () => {
    const s = new SideBySide();
    let changes = 0;
    s.changed.connect(() => changes++);
    const two = [live('a (run 1)'), live('a')];
    expect(s.tiles(two)).toBeNull();
    s.enabled = true;
    s.enabled = true;
    expect(changes).toBe(1);
    expect(s.tiles(two)?.map(t => t.label)).toEqual(['run 1', 'run 2 (live)']);
    expect(s.tiles([live('a')])).toBeNull();
    expect(SideBySide.available([live('a')])).toBe(false);
    expect(SideBySide.available(two)).toBe(true);
  });
});
