import {
  DisplayConfigSchema,
  type DisplayConfig,
  type ImageMetadata
} from '../../protocol/index.js';
import { LayerStore, type LayerConfig } from './layer-store.js';
import type { NewPlane } from './layer.js';

function plane(
  metadata: ImageMetadata,
  shape: [number, number] = [4, 4],
  dtype: NewPlane['dtype'] = 'uint16'
): NewPlane {
  return {
    metadata,
    shape,
    dtype,
    range: [0, 100],
    path: `/p/${JSON.stringify(metadata)}`,
    imageId: 'id'
  };
}

function config(
  display: Partial<DisplayConfig> = {},
  names: LayerConfig['names'] = {}
): LayerConfig {
  return { display: DisplayConfigSchema.parse(display), names };
}

describe('LayerStore', () => {
  it('carries the pixel size a batch declares into the layer info and summary', () => {
    const store = new LayerStore();
    const first = store.add(plane({ source: 'Raw', well: 'A01' }), config());
    expect(first.layer.info().pixel_size).toBeUndefined();
    const sized = { ...config(), pixelSize: { x: 0.65, y: 0.65, unit: 'micrometer' } };
    const change = store.add(plane({ source: 'Raw', well: 'A02' }), sized);
    expect(change.layoutChanged).toBe(true);
    expect(change.layer.info().pixel_size).toEqual({ x: 0.65, y: 0.65, unit: 'micrometer' });
    expect(change.layer.summary().pixel_size).toEqual({ x: 0.65, y: 0.65, unit: 'micrometer' });
    // A batch without one keeps the known size.
    store.add(plane({ source: 'Raw', well: 'A03' }), config());
    expect(change.layer.info().pixel_size?.x).toBe(0.65);
  });

  it('keys layers by slice-mode components in component order, default_layer without any', () => {
    const store = new LayerStore();
    expect(store.add(plane({ source: 'Enhance', well: 'A01' }), config()).layer.key).toBe(
      'source_Enhance'
    );
    expect(store.add(plane({ well: 'A01' }), config()).layer.key).toBe('default_layer');
    const wellsSliced = config({
      component_modes: { well: 'slice' },
      component_order: ['well', 'source']
    });
    expect(store.add(plane({ source: 'Seg', well: 'B03' }), wellsSliced).layer.key).toBe(
      'well_B03_source_Seg'
    );
    // Wells do not overwrite each other when the well is part of the key (OpenHCS mistake 8).
    store.add(plane({ source: 'Seg', well: 'B04' }), wellsSliced);
    expect(
      store
        .list()
        .map(l => l.key)
        .sort()
    ).toEqual(['default_layer', 'source_Enhance', 'well_B03_source_Seg', 'well_B04_source_Seg']);
  });

  it('builds sorted axes: wells lexically, sites numerically, channel/z/timepoint widened to 1..max', () => {
    const store = new LayerStore();
    const c = config();
    for (const [well, site, channel, z] of [
      ['B02', 10, 3, '002'],
      ['A01', 2, 1, '001'],
      ['A10', 1, 1, '001']
    ] as const) {
      store.add(plane({ source: 's', well, site, channel, z_index: z, timepoint: 1 }), c);
    }
    const axes = store.get('source_s')!.summary().axes;
    expect(axes.map(a => a.name)).toEqual(['well', 'site', 'channel', 'z_index', 'timepoint']);
    expect(axes[0].values).toEqual(['A01', 'A10', 'B02']);
    expect(axes[1].values).toEqual([1, 2, 10]);
    expect(axes[2].values).toEqual([1, 2, 3]);
    expect(axes[3].values).toEqual([1, 2]);
    expect(axes[4].values).toEqual([1]);
  });

  it('labels axes like OpenHCS: Well A01, Site 2, Ch1: DAPI, Ch 2, Z 3, T 1', () => {
    const store = new LayerStore();
    const c = config({}, { channel: { '1': 'DAPI' } });
    store.add(
      plane({ source: 's', well: 'A01', site: 2, channel: 1, z_index: 3, timepoint: 1 }),
      c
    );
    store.add(
      plane({ source: 's', well: 'A01', site: 2, channel: 2, z_index: 3, timepoint: 1 }),
      c
    );
    const labels = Object.fromEntries(
      store
        .get('source_s')!
        .summary()
        .axes.map(a => [a.name, a.labels])
    );
    expect(labels).toEqual({
      well: ['Well A01'],
      site: ['Site 2'],
      channel: ['Ch1: DAPI', 'Ch 2'],
      z_index: ['Z 1', 'Z 2', 'Z 3'],
      timepoint: ['T 1']
    });
  });

  it('replaces an image with the same metadata instead of adding it', () => {
    const store = new LayerStore();
    const first = store.add(plane({ source: 's', well: 'A01', channel: 1 }), config());
    const second = store.add(plane({ source: 's', well: 'A01', channel: 1 }), config());
    expect(second.replaced?.id).toBe(first.plane.id);
    expect(second.plane.id).not.toBe(first.plane.id);
    expect(store.get('source_s')!.imageCount).toBe(1);
    const third = store.add(plane({ source: 's', well: 'A01', channel: 2 }), config());
    expect(third.replaced).toBeUndefined();
    expect(store.get('source_s')!.imageCount).toBe(2);
  });

  it('zero-pads different sizes to the largest (pad_to_max)', () => {
    const store = new LayerStore();
    store.add(plane({ source: 's', well: 'A01' }, [4, 4]), config());
    const change = store.add(plane({ source: 's', well: 'A02' }, [6, 3]), config());
    expect(change.layoutChanged).toBe(true);
    expect(store.get('source_s')!.shape).toEqual([6, 4]);
    expect(store.list()).toHaveLength(1);
  });

  it('puts different sizes into separate layers when configured', () => {
    const store = new LayerStore();
    const c = config({ variable_size_handling: 'separate_layers' });
    store.add(plane({ source: 's', well: 'A01' }, [4, 4]), c);
    store.add(plane({ source: 's', well: 'A02' }, [6, 3]), c);
    store.add(plane({ source: 's', well: 'A03' }, [4, 4]), c);
    expect(Object.fromEntries(store.list().map(l => [l.key, [l.shape, l.imageCount]]))).toEqual({
      source_s: [[4, 4], 2],
      source_s_6x3: [[6, 3], 1]
    });
  });

  it('honours the configured colormap and a forced layer name', () => {
    const store = new LayerStore();
    const change = store.add(plane({ source: 's' }), {
      ...config({ colormap: 'viridis' }),
      layerName: 'my array'
    });
    expect(change.layer.key).toBe('my array');
    expect(change.layer.info().colormap).toBe('viridis');
  });

  it('clear empties layers and axes: no stale axis values afterwards (OpenHCS mistake 5)', () => {
    const store = new LayerStore();
    store.add(plane({ source: 's', well: 'A01', z_index: 5 }), config());
    const removed = store.clear();
    expect(removed).toHaveLength(1);
    expect(store.list()).toEqual([]);
    expect(store.generation).toBe(1);
    store.add(plane({ source: 's', well: 'B01', z_index: 1 }), config());
    const axes = store.get('source_s')!.summary().axes;
    expect(axes.find(a => a.name === 'well')!.values).toEqual(['B01']);
    expect(axes.find(a => a.name === 'z_index')!.values).toEqual([1]);
  });

  it('does not crash on a missing component value: the plane takes z 1 (OpenHCS mistake 6)', () => {
    const store = new LayerStore();
    store.add(plane({ source: 's', well: 'A01' }), config());
    store.add(plane({ source: 's', well: 'A01', z_index: 3 }), config());
    store.add(plane({ source: 's', channel: null, z_index: 2 }), config());
    const layer = store.get('source_s')!;
    const axes = layer.summary().axes;
    expect(axes.map(a => a.name)).toEqual(['well', 'z_index']);
    expect(axes[0].labels).toEqual(['Well (none)', 'Well A01']);
    expect(axes[1].values).toEqual([1, 2, 3]);
    expect(layer.planeAt([1, 0])?.values.z_index).toBe(1);
    expect(layer.imageCount).toBe(3);
  });

  it('finds planes by slider index, reports empty slots and rejects impossible indices', () => {
    const store = new LayerStore();
    const a = store.add(plane({ source: 's', channel: 1 }), config());
    store.add(plane({ source: 's', channel: 3 }), config());
    const layer = store.get('source_s')!;
    expect(layer.planeAt([0])?.id).toBe(a.plane.id);
    expect(layer.planeAt([1])).toBeUndefined();
    expect(() => layer.planeAt([3])).toThrow(/outside axis channel/);
    expect(() => layer.planeAt([0, 0])).toThrow(/has 1 axes/);
    expect(layer.info().newest).toEqual([2]);
  });

  it('finds the slider index of axis values, also after a value sorted in before them', () => {
    const store = new LayerStore();
    const b02 = store.add(plane({ source: 's', well: 'B02', channel: 1 }), config());
    const layer = store.get('source_s')!;
    const seen = { well: 'B02', channel: 1 } as const; // what a client saw before A01
    expect(layer.indexAt(seen)).toEqual([0, 0]);
    store.add(plane({ source: 's', well: 'A01', channel: 1 }), config());
    expect(layer.indexAt(seen)).toEqual([1, 0]);
    expect(layer.planeAt(layer.indexAt(seen)!)?.id).toBe(b02.plane.id);
    expect(layer.indexAt({ well: 'B02', channel: '001' })).toEqual([1, 0]); // numeric text
    expect(layer.indexAt({ well: 'C03', channel: 1 })).toBeNull();
    expect(() => layer.indexAt({ well: 'B02', source: 's' })).toThrow(/has no axis source/);
    // an axis the client did not know yet: earlier images had its default there
    store.add(plane({ source: 's', well: 'B02', channel: 1, z_index: 2 }), config());
    expect(layer.indexAt(seen)).toEqual([1, 0, 0]);
    expect(layer.planeAt(layer.indexAt(seen)!)?.id).toBe(b02.plane.id);
    // a component no image has: only its default value names a plane
    expect(layer.indexAt({ ...seen, timepoint: 1 })).toEqual([1, 0, 0]);
    expect(layer.indexAt({ ...seen, timepoint: 2 })).toBeNull();
  });

  it('shows a layer of mixed pixel types as float32 and sends non-wire dtypes as float32', () => {
    const store = new LayerStore();
    store.add(plane({ source: 'a', channel: 1 }, [2, 2], 'uint8'), config());
    expect(store.get('source_a')!.info().dtype).toBe('uint8');
    store.add(plane({ source: 'a', channel: 2 }, [2, 2], 'uint16'), config());
    expect(store.get('source_a')!.summary().dtype).toBe('float32');
    store.add(plane({ source: 'b' }, [2, 2], 'int16'), config());
    expect(store.get('source_b')!.summary().dtype).toBe('int16');
    expect(store.get('source_b')!.info().dtype).toBe('float32');
  });
});
