/**
 * Channel composite in the model: a layer with several channels shows them all at once by
 * default (no channel slider), each with its own settings by channel name; one switch gives
 * the single-channel view with its slider back.
 */
import { LayerInfoSchema, ViewerStateSchema, type LayerInfo } from '../../protocol/viewer-api.js';
import { overlayLabels } from './overlay.js';
import { ViewerModel } from './viewer-model.js';

function cells(over: Partial<LayerInfo> = {}): LayerInfo {
  return LayerInfoSchema.parse({
    key: 'source_Cells',
    dtype: 'uint16',
    shape: [8, 8],
    axes: [
      { name: 'well', values: ['A01', 'A02'], labels: ['Well A01', 'Well A02'] },
      { name: 'channel', values: [1, 2], labels: ['Ch1: DAPI', 'Ch2: GFP'] },
      { name: 'z_index', values: [1], labels: ['Z 1'] }
    ],
    colormap: 'gray',
    range: [0, 4000],
    image_count: 4,
    newest: [1, 1, 0],
    revision: 4,
    ...over
  });
}

function model(layers: LayerInfo[]): ViewerModel {
  const m = new ViewerModel({ followNewest: false });
  m.applyState(ViewerStateSchema.parse({ pid: 1, started_at: 1, generation: 0, layers }));
  return m;
}

describe('channel composite', () => {
  it('draws every channel of a layer, colored by name, with no channel slider', () => {
    const m = model([cells()]);
    expect(m.dims.axes.map(a => a.name)).toEqual(['well', 'z_index']);
    const shown = m.visiblePlanes();
    expect(shown.map(v => [v.channel, v.values])).toEqual([
      ['DAPI', ['A01', 1, 1]],
      ['GFP', ['A01', 2, 1]]
    ]);
    expect(new Set(shown.map(v => v.drawKey)).size).toBe(2);
    expect(m.channels.get('DAPI')!.colormap).toBe('blue');
    expect(m.channels.get('GFP')!.colormap).toBe('green');
    expect(overlayLabels(m.dims, m.compositeAxis)).toEqual(['Well A01', 'DAPI + GFP', 'Z 1']);
  });

  it('leaves a hidden channel out, and switches to one channel with a slider', () => {
    const m = model([cells()]);
    m.channels.setVisible('GFP', false);
    expect(m.visiblePlanes().map(v => v.channel)).toEqual(['DAPI']);
    m.channels.mode = 'single';
    expect(m.dims.axes.map(a => a.name)).toEqual(['well', 'channel', 'z_index']);
    m.dims.setIndex('channel', 1);
    const [only] = m.visiblePlanes();
    expect([only.drawKey, only.channel, only.values]).toEqual([
      'source_Cells',
      'GFP',
      ['A01', 2, 1]
    ]);
    expect(overlayLabels(m.dims, m.compositeAxis)).toEqual(['Well A01', 'Ch2: GFP', 'Z 1']);
  });

  it('lands on auto contrast for every channel of the first view', () => {
    const m = model([cells()]);
    const dim = new Uint16Array(64).fill(10);
    dim[0] = 40; // a few lit pixels
    const bright = new Uint16Array(64).map((_, i) => 1000 + 10 * i);
    const [dapi, gfp] = m.visiblePlanes();
    m.initContrast(dapi, dim);
    m.initContrast(gfp, bright);
    expect(m.channels.get('DAPI')!.contrastLimits![1]).toBeLessThanOrEqual(41);
    expect(m.channels.get('GFP')!.contrastLimits![0]).toBeGreaterThanOrEqual(1000);
    expect(m.layers.get('source_Cells')!.contrastLimits).toBeNull();
  });

  it('keeps settings by channel name across layers, clears and saved state', () => {
    const m = model([cells()]);
    m.channels.setContrastLimits('GFP', 5, 500);
    m.channels.setGamma('GFP', 0.5);
    m.applyEvent({ type: 'cleared', generation: 1 });
    m.applyEvent({ type: 'layer', layer: cells({ key: 'source_Max', revision: 9 }) });
    const gfp = m.visiblePlanes().find(v => v.channel === 'GFP')!;
    expect(gfp.layer.key).toBe('source_Max');
    expect(m.channels.get('GFP')).toMatchObject({ contrastLimits: [5, 500], gamma: 0.5 });

    const saved = JSON.parse(JSON.stringify(m.viewerState()));
    expect(saved.channelMode).toBe('composite');
    const restored = new ViewerModel();
    restored.restore({ ...saved, channelMode: 'single' });
    expect(restored.channels.get('GFP')).toMatchObject({ contrastLimits: [5, 500], gamma: 0.5 });
    expect(restored.channels.mode).toBe('single');
  });

  it('a layer with one channel is drawn as before (its own settings, its key)', () => {
    const one = cells({
      key: 'source_Dapi',
      axes: [{ name: 'channel', values: [1], labels: ['Ch1: DAPI'] }],
      newest: [0]
    });
    const m = model([one]);
    expect(m.compositeAxis).toBeNull();
    const [v] = m.visiblePlanes();
    expect([v.drawKey, v.channel]).toEqual(['source_Dapi', undefined]);
  });

  it('says how a plane arriving is shown: which channel of a composite', () => {
    const m = model([cells()]);
    expect(m.shownAs('source_Cells', ['A01', 2, 1])?.channel).toBe('GFP');
    expect(m.shownAs('source_Cells', ['A01', 3, 1])).toBeUndefined();
  });
});
