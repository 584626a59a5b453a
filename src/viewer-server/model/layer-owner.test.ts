/**
 * LayerStore.clearOwner: a run clears only what its owner made in earlier runs (issue 10,
 * defects 8 and 13); other owners' planes and untagged ones stay, axes shrink to what is left.
 */
import { DisplayConfigSchema, type ImageMetadata, type RunTag } from '../../protocol/index.js';
import { LayerStore, type LayerConfig } from './layer-store.js';
import type { NewPlane } from './layer.js';

function plane(metadata: ImageMetadata): NewPlane {
  return { metadata, shape: [2, 2], dtype: 'uint8', range: [0, 1], path: 'p', imageId: 'i' };
}

function config(run?: RunTag): LayerConfig {
  return { display: DisplayConfigSchema.parse({}), names: {}, ...(run ? { run } : {}) };
}

const nb1 = (id: string): RunTag => ({ owner: 'notebook:a.ipynb pipeline "p"', id });
const nb2 = (id: string): RunTag => ({ owner: 'notebook:b.ipynb pipeline "p"', id });

function wells(store: LayerStore, key: string): unknown[] {
  return (
    store
      .get(key)
      ?.info()
      .axes.find(a => a.name === 'well')?.values ?? []
  );
}

describe('LayerStore.clearOwner', () => {
  it("removes the owner's earlier planes and leaves other owners' and untagged planes", () => {
    const store = new LayerStore();
    store.add(plane({ source: 'Max', well: 'A01' }), config(nb1('run1')));
    store.add(plane({ source: 'Max', well: 'A02' }), config(nb1('run1')));
    store.add(plane({ source: 'Sum', well: 'B01' }), config(nb2('run1')));
    store.add(plane({ source: 'show' }), config());
    const generation = store.generation;

    const { planes, layers } = store.clearOwner(nb1('x').owner, 'run2');

    expect(planes.map(p => p.values.well).sort()).toEqual(['A01', 'A02']);
    expect(layers).toEqual(['source_Max']);
    expect(store.list().map(l => l.key)).toEqual(['source_Sum', 'source_show']);
    expect(store.generation).toBe(generation + 1);
  });

  it('keeps the planes of the run named in except_run', () => {
    const store = new LayerStore();
    store.add(plane({ source: 'Max', well: 'A01' }), config(nb1('old')));
    store.add(plane({ source: 'Max', well: 'A02' }), config(nb1('new')));
    const { planes } = store.clearOwner(nb1('x').owner, 'new');
    expect(planes.map(p => p.values.well)).toEqual(['A01']);
    expect(wells(store, 'source_Max')).toEqual(['A02']);
  });

  it('shrinks the axes of a shared layer to the planes left, with a new newest', () => {
    const store = new LayerStore();
    store.add(plane({ source: 'Max', well: 'A01', channel: 1 }), config(nb2('r')));
    store.add(plane({ source: 'Max', well: 'A02', channel: 2 }), config(nb1('r')));
    store.add(plane({ source: 'Max', well: 'A03', channel: 2 }), config(nb1('r')));
    const before = store.get('source_Max')!.revision;

    store.clearOwner(nb1('x').owner);

    const info = store.get('source_Max')!.info();
    expect(wells(store, 'source_Max')).toEqual(['A01']);
    expect(info.axes.find(a => a.name === 'channel')?.values).toEqual([1]);
    expect(info.image_count).toBe(1);
    expect(info.newest).toEqual([0, 0]);
    expect(info.revision).toBeGreaterThan(before);
    expect(store.get('source_Max')!.planeAt([0, 0])?.values.well).toBe('A01');
  });

  it('keeps an axis the remaining planes never had out of the sliders', () => {
    const store = new LayerStore();
    store.add(plane({ source: 'Max', well: 'A01' }), config(nb2('r')));
    store.add(plane({ source: 'Max', well: 'A02', z_index: 3 }), config(nb1('r')));
    expect(
      store
        .get('source_Max')!
        .axes()
        .map(a => a.name)
    ).toEqual(['well', 'z_index']);
    store.clearOwner(nb1('x').owner);
    expect(
      store
        .get('source_Max')!
        .axes()
        .map(a => a.name)
    ).toEqual(['well']);
  });

  it('changes nothing, not even the generation, when the owner has no planes', () => {
    const store = new LayerStore();
    store.add(plane({ source: 'Max', well: 'A01' }), config(nb2('r')));
    const generation = store.generation;
    expect(store.clearOwner(nb1('x').owner)).toEqual({ planes: [], layers: [] });
    expect(store.generation).toBe(generation);
    expect(wells(store, 'source_Max')).toEqual(['A01']);
  });
});
