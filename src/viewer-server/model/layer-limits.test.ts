import {
  DisplayConfigSchema,
  MAX_AXIS_VALUES,
  MAX_LAYERS,
  MAX_PLANE_PIXELS,
  type DisplayConfig,
  type ImageMetadata
} from '../../protocol/index.js';
import { LayerStore, type LayerConfig } from './layer-store.js';
import type { NewPlane } from './layer.js';
import { LimitError } from './limit-error.js';

function plane(metadata: ImageMetadata, shape: [number, number] = [2, 2]): NewPlane {
  return { metadata, shape, dtype: 'uint8', range: [0, 1], path: '/img.tif', imageId: 'id' };
}

function config(display: Partial<DisplayConfig> = {}): LayerConfig {
  return { display: DisplayConfigSchema.parse(display), names: {} };
}

function limitOf(action: () => unknown): LimitError {
  try {
    action();
  } catch (err) {
    if (err instanceof LimitError) return err;
    throw err;
  }
  throw new Error('no LimitError thrown');
}

describe('LayerStore bounds', () => {
  it('adds 4,096 distinct sparse z values in bounded time, each findable', () => {
    const store = new LayerStore();
    const c = config();
    const started = Date.now();
    for (let i = 0; i < 4096; i++) store.add(plane({ source: 's', z_index: 1 + i * 16 }), c);
    // "did not hang": every new value used to rebuild the axis widened to 1..max (minutes)
    expect(Date.now() - started).toBeLessThan(20_000);
    const layer = store.get('source_s')!;
    expect(layer.imageCount).toBe(4096);
    for (let i = 0; i < 4096; i += 7)
      expect(layer.planeAt(layer.indexAt({ z_index: 1 + i * 16 })!)?.values.z_index).toBe(
        1 + i * 16
      );
  });

  it(`refuses a value beyond MAX_AXIS_VALUES (${MAX_AXIS_VALUES}) per axis, naming layer and axis`, () => {
    const store = new LayerStore();
    const c = config();
    for (let i = 0; i < MAX_AXIS_VALUES; i++) store.add(plane({ source: 's', well: `w${i}` }), c);
    const err = limitOf(() => store.add(plane({ source: 's', well: 'one more' }), c));
    expect(err.limit).toBe('MAX_AXIS_VALUES');
    expect(err.message).toMatch(/axis well of layer source_s, over MAX_AXIS_VALUES \(65536\)/);
    const layer = store.get('source_s')!;
    expect(layer.axes()[0].length).toBe(MAX_AXIS_VALUES);
    // a known value still replaces its plane; other layers are not affected
    expect(store.add(plane({ source: 's', well: 'w7' }), c).replaced).toBeDefined();
    expect(store.add(plane({ source: 't', well: 'one more' }), c).created).toBe(true);
  });

  it(`refuses layer ${MAX_LAYERS + 1}, and keeps adding to the existing ones`, () => {
    const store = new LayerStore();
    const c = config();
    for (let i = 0; i < MAX_LAYERS; i++) store.add(plane({ source: `s${i}` }), c);
    const err = limitOf(() => store.add(plane({ source: 'new' }), c));
    expect(err.limit).toBe('MAX_LAYERS');
    expect(err.message).toMatch(/layer "source_new" would be layer 1025, over MAX_LAYERS \(1024\)/);
    expect(store.list()).toHaveLength(MAX_LAYERS);
    expect(store.add(plane({ source: 's3', well: 'B02' }), c).created).toBe(false);
  });

  it('refuses an image that would pad the layer plane beyond MAX_PLANE_PIXELS (pad_to_max)', () => {
    const store = new LayerStore();
    store.add(plane({ source: 's', well: 'A01' }, [1, 20000]), config());
    const err = limitOf(() => store.add(plane({ source: 's', well: 'A02' }, [20000, 1]), config()));
    expect(err.limit).toBe('MAX_PLANE_PIXELS');
    expect(err.message).toMatch(
      /would pad every plane of layer source_s \(1×20000 so far\) to 20000×20000 = 400000000 pixels, over MAX_PLANE_PIXELS/
    );
    expect(store.get('source_s')!.shape).toEqual([1, 20000]);
    expect(store.get('source_s')!.imageCount).toBe(1);
    // separate layers never pad: the same image is accepted into its own layer
    const separate = config({ variable_size_handling: 'separate_layers' });
    expect(store.add(plane({ source: 's', well: 'A02' }, [20000, 1]), separate).layer.key).toBe(
      'source_s_20000x1'
    );
    const big = limitOf(() =>
      store.add(plane({ source: 'b' }, [1, MAX_PLANE_PIXELS + 1]), config())
    );
    expect(big.message).toMatch(
      /a plane of 1×134217729 = 134217729 pixels is over MAX_PLANE_PIXELS/
    );
    expect(store.get('source_b')).toBeUndefined();
  });

  it('adds the planes of one image all or none', () => {
    const store = new LayerStore();
    const c = config();
    for (let i = 0; i < MAX_AXIS_VALUES - 1; i++)
      store.add(plane({ source: 's', well: `w${i}` }), c);
    const image = [plane({ source: 's', well: 'x1' }), plane({ source: 's', well: 'x2' })];
    expect(limitOf(() => store.addImage(image, c)).limit).toBe('MAX_AXIS_VALUES');
    const layer = store.get('source_s')!;
    expect(layer.imageCount).toBe(MAX_AXIS_VALUES - 1);
    expect(layer.indexAt({ well: 'x1' })).toBeNull();
    // two new layers where one is left: neither is created
    const full = new LayerStore();
    for (let i = 0; i < MAX_LAYERS - 1; i++) full.add(plane({ source: `s${i}` }), c);
    const split = [plane({ source: 'a' }), plane({ source: 'b' })];
    expect(limitOf(() => full.addImage(split, c)).limit).toBe('MAX_LAYERS');
    expect(full.list()).toHaveLength(MAX_LAYERS - 1);
  });
});
