import { ChannelSettings } from './channel-settings.js';

describe('ChannelSettings', () => {
  it('creates a channel once, with its first colormap, and keeps the user choices', () => {
    const s = new ChannelSettings();
    expect(s.ensure('DAPI', 'blue')).toMatchObject({ colormap: 'blue', gamma: 1, visible: true });
    s.setColormap('DAPI', 'cyan');
    expect(s.ensure('DAPI', 'blue').colormap).toBe('cyan');
  });

  it('signals each change with the channel name, the mode with null', () => {
    const s = new ChannelSettings();
    const seen: (string | null)[] = [];
    s.changed.connect((_, name) => seen.push(name));
    s.ensure('GFP', 'green');
    s.setVisible('GFP', false);
    s.setVisible('GFP', false); // no change, no signal
    s.setGamma('GFP', 0.5);
    s.mode = 'single';
    expect(seen).toEqual(['GFP', 'GFP', null]);
  });

  it('auto contrast once on the first plane, never over a chosen one', () => {
    const s = new ChannelSettings();
    s.ensure('DAPI', 'blue');
    const data = new Uint16Array(1000).map((_, i) => 100 + i);
    s.initContrastFrom('DAPI', data);
    const auto = s.get('DAPI')!.contrastLimits!;
    expect(auto[0]).toBeGreaterThanOrEqual(100);
    expect(auto[1]).toBeLessThanOrEqual(1100);
    s.setContrastLimits('DAPI', 5, 50);
    s.initContrastFrom('DAPI', data);
    expect(s.get('DAPI')!.contrastLimits).toEqual([5, 50]);
  });

  it('refuses bad input with an error naming the channel', () => {
    const s = new ChannelSettings();
    s.ensure('DAPI', 'blue');
    expect(() => s.setGamma('DAPI', 0)).toThrow(/Channel DAPI: gamma must be between 0.1 and 10/);
    expect(() => s.setContrastLimits('DAPI', NaN, 1)).toThrow(/Channel DAPI: contrast limits/);
    expect(() => s.setColormap('DAPI', 'pink' as never)).toThrow(/unknown colormap "pink"/);
    expect(() => s.setVisible('Cy5', true)).toThrow(/Channel Cy5: no such channel/);
    expect(() => (s.mode = 'stack' as never)).toThrow(/"composite" or "single"/);
  });

  it('saves and restores settings and mode, skipping malformed fields', () => {
    const s = new ChannelSettings();
    s.ensure('DAPI', 'blue');
    s.setContrastLimits('DAPI', 10, 900);
    s.setGamma('DAPI', 0.7);
    s.mode = 'single';
    const saved = JSON.parse(JSON.stringify(s.displayStates()));
    const t = new ChannelSettings();
    t.restore(saved, 'single');
    expect(t.get('DAPI')).toEqual({
      visible: true,
      colormap: 'blue',
      contrastLimits: [10, 900],
      gamma: 0.7
    });
    expect(t.mode).toBe('single');
    t.restore({ GFP: { visible: 'yes' as never, gamma: 99, contrastLimits: [5, 1] } });
    expect(t.ensure('GFP', 'green')).toMatchObject({
      visible: true,
      gamma: 1,
      contrastLimits: null
    });
  });
});
