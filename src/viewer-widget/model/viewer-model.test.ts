import {
  LayerInfoSchema,
  ViewerStateSchema,
  type LayerInfo,
  type ViewerState
} from '../../protocol/viewer-api.js';
import { overlayLabels, overlayText } from './overlay.js';
import { ViewerModel } from './viewer-model.js';
import { mergeAxes } from './merge-axes.js';

/** Schema-checked fixtures, so they match what the server must send. */
function layerInfo(over: Partial<LayerInfo> = {}): LayerInfo {
  return LayerInfoSchema.parse({
    key: 'source_Enhance',
    dtype: 'uint16',
    shape: [64, 64],
    axes: [
      { name: 'well', values: ['A01', 'B02'], labels: ['Well A01', 'Well B02'] },
      { name: 'channel', values: [1, 2], labels: ['Ch1: DAPI', 'Ch2: GFP'] },
      { name: 'z_index', values: [1, 2, 3], labels: ['Z 1', 'Z 2', 'Z 3'] }
    ],
    colormap: 'gray',
    range: [0, 4000],
    image_count: 12,
    newest: [0, 0, 0],
    revision: 12,
    ...over
  });
}

function state(layers: LayerInfo[], over: Partial<ViewerState> = {}): ViewerState {
  return ViewerStateSchema.parse({ pid: 100, started_at: 1000, generation: 0, layers, ...over });
}

describe('ViewerModel', () => {
  it('builds one slider per stacked axis with labels, and the overlay text', () => {
    const model = new ViewerModel({ followNewest: false });
    model.channels.mode = 'single'; // a channel slider (composite: composite.test.ts)
    model.applyState(state([layerInfo()]));
    expect(model.dims.axes.map(a => a.name)).toEqual(['well', 'channel', 'z_index']);
    model.dims.setIndex('z_index', 1);
    expect(overlayText(model.dims)).toBe('Well A01 | Ch1: DAPI | Z 2');
    expect(overlayLabels(model.dims)).toEqual(['Well A01', 'Ch1: DAPI', 'Z 2']);
    model.dims.setIndex('channel', 1);
    model.dims.setIndex('well', 1);
    expect(overlayText(model.dims)).toBe('Well B02 | Ch2: GFP | Z 2');
  });

  it('merges the axes of several layers, sorting numbers numerically and wells lexically', () => {
    const axes = mergeAxes([
      [
        { name: 'well', values: ['B01', 'A12'], labels: ['Well B01', 'Well A12'] },
        { name: 'z_index', values: [10, 2], labels: ['Z 10', 'Z 2'] }
      ],
      [
        { name: 'well', values: ['A02'], labels: ['Well A02'] },
        { name: 'timepoint', values: [1], labels: ['T 1'] }
      ]
    ]);
    expect(axes.map(a => a.name)).toEqual(['well', 'z_index', 'timepoint']);
    expect(axes[0].values).toEqual(['A02', 'A12', 'B01']);
    expect(axes[0].labels).toEqual(['Well A02', 'Well A12', 'Well B01']);
    expect(axes[1].values).toEqual([2, 10]);
  });

  it('layer events never reset the user contrast or colormap (OpenHCS mistake 4)', () => {
    const model = new ViewerModel();
    model.applyState(state([layerInfo()]));
    const layer = model.layers.get('source_Enhance')!;
    layer.setContrastLimits(100, 900);
    layer.colormap = 'magma';
    layer.opacity = 0.5;
    layer.visible = false;
    model.applyEvent({
      type: 'layer',
      layer: layerInfo({ colormap: 'viridis', range: [0, 60000], revision: 13, image_count: 13 })
    });
    model.applyEvent({ type: 'plane', layer: 'source_Enhance', index: [1, 1, 2], revision: 14 });
    model.applyEvent({
      type: 'state',
      state: state([layerInfo({ colormap: 'cividis', revision: 15 })])
    });
    const same = model.layers.get('source_Enhance')!;
    expect(same).toBe(layer);
    expect(same.contrastLimits).toEqual([100, 900]);
    expect(same.colormap).toBe('magma');
    expect(same.opacity).toBe(0.5);
    expect(same.visible).toBe(false);
    expect(same.info.revision).toBe(15);
  });

  it('adopts the server colormap until the user picks one', () => {
    const model = new ViewerModel();
    model.applyEvent({ type: 'layer', layer: layerInfo({ colormap: 'green' }) });
    expect(model.layers.get('source_Enhance')!.colormap).toBe('green');
    model.applyEvent({ type: 'layer', layer: layerInfo({ colormap: 'red' }) });
    expect(model.layers.get('source_Enhance')!.colormap).toBe('red');
  });

  it('sets contrast once from the first plane shown, from its histogram', () => {
    const model = new ViewerModel();
    model.applyState(state([layerInfo({ range: [0, 65535] })]));
    const layer = model.layers.get('source_Enhance')!;
    expect(layer.contrastLimits).toBeNull();
    expect(layer.effectiveContrastLimits).toEqual([0, 65535]);
    const pixels = new Uint16Array(10_000).map((_, i) => 500 + (i % 100));
    layer.initContrastFrom(pixels);
    expect(layer.contrastLimits![0]).toBeGreaterThanOrEqual(500);
    expect(layer.contrastLimits![1]).toBeLessThanOrEqual(600);
    layer.initContrastFrom(new Uint16Array(100).fill(30000)); // a later plane: no change
    expect(layer.contrastLimits![1]).toBeLessThanOrEqual(600);
  });

  it('follows the newest plane, and stops when the user moves a slider', () => {
    const model = new ViewerModel({ followNewest: true });
    model.channels.mode = 'single';
    model.applyState(state([layerInfo({ newest: [1, 0, 2] })]));
    expect(model.dims.position()).toEqual({ well: 'B02', channel: 1, z_index: 3 });
    model.applyEvent({ type: 'plane', layer: 'source_Enhance', index: [0, 1, 0], revision: 13 });
    expect(model.dims.position()).toEqual({ well: 'A01', channel: 2, z_index: 1 });
    model.dims.setIndex('z_index', 1);
    model.applyEvent({ type: 'plane', layer: 'source_Enhance', index: [1, 1, 2], revision: 14 });
    expect(model.dims.position()).toEqual({ well: 'A01', channel: 2, z_index: 2 });
  });

  it('keeps the user on the same well when a new well sorts before it', () => {
    const model = new ViewerModel({ followNewest: false });
    model.applyState(state([layerInfo()]));
    model.dims.setIndex('well', 1); // B02
    const grown = layerInfo({
      axes: [
        {
          name: 'well',
          values: ['A01', 'A05', 'B02'],
          labels: ['Well A01', 'Well A05', 'Well B02']
        },
        { name: 'channel', values: [1, 2], labels: ['Ch1: DAPI', 'Ch2: GFP'] },
        { name: 'z_index', values: [1, 2, 3], labels: ['Z 1', 'Z 2', 'Z 3'] }
      ],
      revision: 20
    });
    model.applyEvent({ type: 'layer', layer: grown });
    expect(model.dims.value('well')).toBe('B02');
    expect(model.visiblePlanes()[0].index).toEqual([2, 0, 0]);
  });

  it('maps the position to each layer: channel layers composite, a layer without the value shows nothing', () => {
    const axes = (wells: string[]) => [
      { name: 'well' as const, values: wells, labels: wells.map(w => `Well ${w}`) }
    ];
    const model = new ViewerModel({ followNewest: false });
    model.applyState(
      state([
        layerInfo({ key: 'channel_1', axes: axes(['A01', 'A02']), colormap: 'blue' }),
        layerInfo({ key: 'channel_2', axes: axes(['A01']), colormap: 'green' })
      ])
    );
    expect(model.visiblePlanes().map(v => [v.layer.key, v.index])).toEqual([
      ['channel_1', [0]],
      ['channel_2', [0]]
    ]);
    model.dims.setIndex('well', 1);
    expect(model.visiblePlanes().map(v => [v.layer.key, v.values])).toEqual([
      ['channel_1', ['A02']]
    ]);
    model.layers.get('channel_1')!.visible = false;
    expect(model.visiblePlanes()).toEqual([]);
  });

  it('invalidates only the replaced plane in the cache on a plane event', () => {
    const model = new ViewerModel();
    model.applyState(state([layerInfo()]));
    const put = (values: (string | number)[]) =>
      model.cache.put({
        layer: 'source_Enhance',
        values,
        level: 0,
        revision: 12,
        shape: [2, 2],
        dtype: 'uint16',
        data: new Uint16Array(4)
      });
    put(['A01', 1, 1]);
    put(['B02', 2, 3]);
    const notices: unknown[] = [];
    model.planeUpdated.connect((_, n) => notices.push(n));
    model.applyEvent({ type: 'plane', layer: 'source_Enhance', index: [1, 1, 2], revision: 13 });
    expect(model.cache.get('source_Enhance', ['B02', 2, 3], 0)).toBeUndefined();
    expect(model.cache.get('source_Enhance', ['A01', 1, 1], 0)).toBeDefined();
    expect(notices).toEqual([{ layer: 'source_Enhance', values: ['B02', 2, 3], revision: 13 }]);
  });

  it('on clear: drops planes and layers but remembers display settings for when they return', () => {
    const model = new ViewerModel();
    model.applyState(state([layerInfo()]));
    model.layers.get('source_Enhance')!.colormap = 'cyan';
    model.cache.put({
      layer: 'source_Enhance',
      values: ['A01', 1, 1],
      level: 0,
      revision: 1,
      shape: [2, 2],
      dtype: 'uint16',
      data: new Uint16Array(4)
    });
    let resets = 0;
    model.reset.connect(() => resets++);
    model.applyEvent({ type: 'cleared', generation: 1 });
    expect(model.layers.length).toBe(0);
    expect(model.cache.size).toBe(0);
    expect(model.dims.axes).toEqual([]);
    expect(resets).toBe(1);
    model.applyEvent({ type: 'layer', layer: layerInfo({ image_count: 1, revision: 1 }) });
    expect(model.layers.get('source_Enhance')!.colormap).toBe('cyan');
  });

  it('detects a restarted server by pid/started_at and drops its planes', () => {
    const model = new ViewerModel();
    model.applyState(state([layerInfo()]));
    model.cache.put({
      layer: 'source_Enhance',
      values: ['A01', 1, 1],
      level: 0,
      revision: 1,
      shape: [2, 2],
      dtype: 'uint16',
      data: new Uint16Array(4)
    });
    model.applyState(state([layerInfo()])); // same server, same generation
    expect(model.cache.size).toBe(1);
    model.applyState(state([layerInfo()], { pid: 101, started_at: 2000 }));
    expect(model.cache.size).toBe(0);
    expect(model.server).toEqual({ pid: 101, startedAt: 2000, generation: 0 });
  });

  it('removes layers the server no longer has', () => {
    const model = new ViewerModel();
    model.applyState(state([layerInfo(), layerInfo({ key: 'source_Raw' })]));
    model.applyState(state([layerInfo({ key: 'source_Raw' })]));
    expect(model.layers.keys()).toEqual(['source_Raw']);
  });

  it('saves and restores position, follow flag and per-layer display settings', () => {
    const model = new ViewerModel();
    model.applyState(state([layerInfo()]));
    model.dims.setIndex('well', 1);
    const layer = model.layers.get('source_Enhance')!;
    layer.setContrastLimits(10, 20);
    layer.colormap = 'plasma';
    const saved = JSON.parse(JSON.stringify(model.viewerState()));
    expect(saved.followNewest).toBe(false);

    const fresh = new ViewerModel({ followNewest: true });
    fresh.restore(saved);
    fresh.applyState(state([layerInfo({ newest: [0, 1, 2] })]));
    expect(fresh.dims.followNewest).toBe(false);
    expect(fresh.dims.value('well')).toBe('B02');
    expect(fresh.layers.get('source_Enhance')!.contrastLimits).toEqual([10, 20]);
    expect(fresh.layers.get('source_Enhance')!.colormap).toBe('plasma');
  });

  it('rejects an unknown colormap and non-finite contrast with a clear error', () => {
    const model = new ViewerModel();
    model.applyState(state([layerInfo()]));
    const layer = model.layers.get('source_Enhance')!;
    expect(() => (layer.colormap = 'rainbow' as never)).toThrow(/unknown colormap "rainbow"/);
    expect(() => layer.setContrastLimits(NaN, 1)).toThrow(/finite/);
  });
});

describe('ViewerModel after missed events', () => {
  it('drops the cached planes of a layer whose revision moved on while not listening', () => {
    const model = new ViewerModel();
    model.applyState(state([layerInfo(), layerInfo({ key: 'source_Raw' })]));
    const put = (layer: string) =>
      model.cache.put({
        layer,
        values: ['A01', 1, 1],
        level: 0,
        revision: 12,
        shape: [2, 2],
        dtype: 'uint16',
        data: new Uint16Array(4)
      });
    put('source_Enhance');
    put('source_Raw');
    model.applyState(state([layerInfo({ revision: 30 }), layerInfo({ key: 'source_Raw' })]));
    expect(model.cache.get('source_Enhance', ['A01', 1, 1], 0)).toBeUndefined();
    expect(model.cache.get('source_Raw', ['A01', 1, 1], 0)).toBeDefined();
  });
});

describe('ViewerModel when a layer grows', () => {
  it('drops cached planes of a layer whose plane shape changed (padding to the new maximum)', () => {
    const model = new ViewerModel();
    model.applyState(state([layerInfo()]));
    model.cache.put({
      layer: 'source_Enhance',
      values: ['A01', 1, 1],
      level: 0,
      revision: 12,
      shape: [64, 64],
      dtype: 'uint16',
      data: new Uint16Array(64 * 64)
    });
    model.applyEvent({ type: 'layer', layer: layerInfo({ revision: 13 }) });
    expect(model.cache.size).toBe(1); // same shape: kept
    model.applyEvent({ type: 'layer', layer: layerInfo({ shape: [80, 64], revision: 14 }) });
    expect(model.cache.size).toBe(0);
  });
});
