import { DisplayConfigSchema, RoiItemSchema } from '../../protocol/index.js';
import { RoiStore } from './roi-store.js';

const display = DisplayConfigSchema.parse({});
const item = (well: string, path: string, shapes: number) =>
  RoiItemSchema.parse({
    data_type: 'shapes',
    path,
    metadata: { source: 'Seg', well, site: '2' },
    shapes: Array.from({ length: shapes }, (_, i) => ({
      type: 'polygon',
      coordinates: [
        [i, 0],
        [i, 1],
        [i + 1, 1]
      ],
      metadata: { label: i + 1 }
    }))
  });

describe('RoiStore', () => {
  it('keys a set by layer, stack position and path: the same again replaces it', () => {
    const store = new RoiStore();
    store.add(item('A01', '/a.roi.zip', 2), display);
    store.add(item('A01', '/a.roi.zip', 3), display);
    store.add(item('A02', '/a.roi.zip', 1), display);
    const { revision, sets } = store.overlays();
    expect(revision).toBe(3);
    expect(sets.map(s => [s.layer, s.at, s.shapes.length])).toEqual([
      ['source_Seg', { well: 'A01', site: 2 }, 3],
      ['source_Seg', { well: 'A02', site: 2 }, 1]
    ]);
    expect(sets[0].shapes[2].label).toBe('3');
    expect(store.shapeCount).toBe(4);
  });

  it('drops the oldest sets beyond its bound of shapes, never the one just added', () => {
    const store = new RoiStore(5);
    store.add(item('A01', '/1', 3), display);
    store.add(item('A02', '/2', 2), display);
    store.add(item('A03', '/3', 2), display); // 7 > 5: A01's set goes
    expect(store.overlays().sets.map(s => s.at.well)).toEqual(['A02', 'A03']);
    store.add(item('A04', '/4', 9), display); // alone over the bound: kept, the rest go
    expect(store.overlays().sets.map(s => s.at.well)).toEqual(['A04']);
    expect(store.shapeCount).toBe(9);
  });

  it('clear empties it and moves the revision (once)', () => {
    const store = new RoiStore();
    store.add(item('A01', '/1', 1), display);
    store.clear();
    store.clear();
    expect(store.overlays()).toEqual({ revision: 2, sets: [] });
  });
});
