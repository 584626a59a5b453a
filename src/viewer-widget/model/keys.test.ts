import { Dims } from './dims.js';
import { keyAction, KEY_HELP } from './keys.js';

function dims(): Dims {
  const d = new Dims({ followNewest: false });
  d.setAxes([
    { name: 'well', values: ['A01', 'A02', 'A03'], labels: [] },
    { name: 'site', values: [1], labels: [] },
    { name: 'z_index', values: [1, 2], labels: [] }
  ]);
  return d;
}

describe('keyAction', () => {
  it('steps the innermost slider axis with ←/→ and the one before it with ↑/↓', () => {
    const d = dims();
    expect(keyAction({ key: 'ArrowRight' }, d)).toEqual({
      kind: 'step',
      axis: 'z_index',
      delta: 1
    });
    expect(keyAction({ key: 'ArrowLeft' }, d)).toEqual({
      kind: 'step',
      axis: 'z_index',
      delta: -1
    });
    // site has one value and no slider: ↑ steps the well
    expect(keyAction({ key: 'ArrowUp' }, d)).toEqual({ kind: 'step', axis: 'well', delta: 1 });
    expect(keyAction({ key: 'ArrowDown' }, d)).toEqual({ kind: 'step', axis: 'well', delta: -1 });
  });

  it('steps the axis the user moved last with ←/→, Home/End jump on it', () => {
    const d = dims();
    d.setIndex('well', 1);
    expect(keyAction({ key: 'ArrowRight' }, d)).toEqual({ kind: 'step', axis: 'well', delta: 1 });
    expect(keyAction({ key: 'Home' }, d)).toEqual({ kind: 'jump', axis: 'well', to: 'first' });
    expect(keyAction({ key: 'End' }, d)).toEqual({ kind: 'jump', axis: 'well', to: 'last' });
  });

  it('maps ?, G, F and Esc, and leaves modified and other keys alone', () => {
    const d = dims();
    expect(keyAction({ key: '?' }, d)).toEqual({ kind: 'help' });
    expect(keyAction({ key: 'g' }, d)).toEqual({ kind: 'grid' });
    expect(keyAction({ key: 'F' }, d)).toEqual({ kind: 'fit' });
    expect(keyAction({ key: 's' }, d)).toEqual({ kind: 'sideBySide' });
    expect(keyAction({ key: 'S' }, d)).toEqual({ kind: 'sideBySide' });
    expect(keyAction({ key: 'Escape' }, d)).toEqual({ kind: 'close' });
    expect(keyAction({ key: 'ArrowRight', ctrlKey: true }, d)).toBeNull();
    expect(keyAction({ key: 'x' }, d)).toBeNull();
    expect(keyAction({ key: 'ArrowRight' }, new Dims())).toBeNull();
    expect(KEY_HELP.map(([k]) => k).join(' ')).toMatch(/← \/ →.*Home \/ End.*S.*\?/);
  });
});
