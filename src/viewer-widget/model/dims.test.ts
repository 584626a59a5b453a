import { Dims, type DimsAxis } from './dims.js';

const wells = (values: string[]): DimsAxis => ({ name: 'well', values, labels: values });
const z = (n: number): DimsAxis => ({
  name: 'z_index',
  values: Array.from({ length: n }, (_, i) => i + 1),
  labels: Array.from({ length: n }, (_, i) => `Z ${i + 1}`)
});

describe('Dims', () => {
  it('starts each new axis at its first value', () => {
    const dims = new Dims();
    dims.setAxes([wells(['A01', 'B02']), z(3)]);
    expect(dims.position()).toEqual({ well: 'A01', z_index: 1 });
    expect(dims.index('z_index')).toBe(0);
  });

  it('keeps the current VALUE when the server inserts values before it', () => {
    const dims = new Dims({ followNewest: false });
    dims.setAxes([wells(['A01', 'A03'])]);
    dims.setIndex('well', 1);
    expect(dims.value('well')).toBe('A03');
    dims.setAxes([wells(['A01', 'A02', 'A03'])]);
    expect(dims.value('well')).toBe('A03');
    expect(dims.index('well')).toBe(2);
  });

  it('falls back to the nearest remaining value when the current one vanished', () => {
    const dims = new Dims({ followNewest: false });
    dims.setAxes([z(5)]);
    dims.setIndex('z_index', 3); // value 4
    dims.setAxes([{ name: 'z_index', values: [1, 2, 5], labels: ['Z 1', 'Z 2', 'Z 5'] }]);
    expect(dims.value('z_index')).toBe(5);
    dims.setAxes([{ name: 'z_index', values: [1, 2], labels: ['Z 1', 'Z 2'] }]);
    expect(dims.value('z_index')).toBe(2);
  });

  it('remembers the position of an axis that disappears and comes back (clear, new run)', () => {
    const dims = new Dims({ followNewest: false });
    dims.setAxes([wells(['A01', 'B02', 'C03'])]);
    dims.setIndex('well', 2);
    dims.setAxes([]);
    expect(dims.position()).toEqual({});
    dims.setAxes([wells(['A01', 'B02', 'C03'])]);
    expect(dims.value('well')).toBe('C03');
  });

  it('returns to the chosen value once a re-run streams it again (issue 10, defect 7)', () => {
    const dims = new Dims({ followNewest: false });
    dims.setAxes([wells(['A01', 'A02', 'A03', 'A04', 'A05'])]);
    dims.setIndex('well', 4);
    dims.setAxes([]); // the re-run cleared the layer
    dims.setAxes([wells(['A01'])]); // its first well streams: shown meanwhile
    expect(dims.value('well')).toBe('A01');
    dims.setAxes([wells(['A01', 'A02', 'A03'])]);
    dims.setAxes([wells(['A01', 'A02', 'A03', 'A04', 'A05'])]);
    expect(dims.value('well')).toBe('A05');
    expect(dims.followNewest).toBe(false);
  });

  it('a user move while the chosen value is absent makes the new value the chosen one', () => {
    const dims = new Dims({ followNewest: false });
    dims.setAxes([wells(['A01', 'A05'])]);
    dims.setIndex('well', 1);
    dims.setAxes([wells(['A01', 'A02'])]);
    dims.setIndex('well', 0);
    dims.setAxes([wells(['A01', 'A02', 'A05'])]);
    expect(dims.value('well')).toBe('A01');
  });

  it('follows the newest plane until the user moves a slider', () => {
    const dims = new Dims({ followNewest: true });
    dims.setAxes([wells(['A01', 'B02', 'C03']), z(3)]);
    expect(dims.follow({ well: 'B02', z_index: 2 })).toBe(true);
    expect(dims.position()).toEqual({ well: 'B02', z_index: 2 });
    const changes: boolean[] = [];
    dims.changed.connect((_, c) => changes.push(c.byUser));
    dims.setIndex('z_index', 0);
    expect(dims.followNewest).toBe(false);
    expect(changes).toEqual([true]);
    expect(dims.follow({ well: 'C03', z_index: 3 })).toBe(false);
    expect(dims.position()).toEqual({ well: 'B02', z_index: 1 });
    dims.setFollowNewest(true);
    dims.follow({ well: 'C03', z_index: 3 });
    expect(dims.position()).toEqual({ well: 'C03', z_index: 3 });
  });

  it('ignores follow targets that are not on an axis yet', () => {
    const dims = new Dims();
    dims.setAxes([wells(['A01'])]);
    expect(dims.follow({ well: 'H12' })).toBe(false);
    expect(dims.value('well')).toBe('A01');
  });

  it('steps with wrap-around (play) or clamped', () => {
    const dims = new Dims();
    dims.setAxes([z(3)]);
    dims.step('z_index', 1);
    dims.step('z_index', 1);
    dims.step('z_index', 1);
    expect(dims.value('z_index')).toBe(1);
    dims.step('z_index', -1);
    expect(dims.value('z_index')).toBe(3);
    dims.step('z_index', 5, false);
    expect(dims.value('z_index')).toBe(3);
    dims.step('z_index', -5, false);
    expect(dims.value('z_index')).toBe(1);
  });

  it('clamps slider indices and labels the current value', () => {
    const dims = new Dims();
    dims.setAxes([z(4)]);
    dims.setIndex('z_index', 99);
    expect(dims.value('z_index')).toBe(4);
    expect(dims.label('z_index')).toBe('Z 4');
    dims.setIndex('z_index', -3);
    expect(dims.label('z_index')).toBe('Z 1');
  });

  it('uses an abbreviation when the server sent an empty label', () => {
    const dims = new Dims();
    dims.setAxes([{ name: 'site', values: [1, 2], labels: ['', ''] }]);
    expect(dims.label('site')).toBe('Site 1');
  });

  it('emits no change when the same axes arrive again', () => {
    const dims = new Dims();
    dims.setAxes([z(2)]);
    let n = 0;
    dims.changed.connect(() => n++);
    dims.setAxes([z(2)]);
    expect(n).toBe(0);
    dims.setAxes([z(3)]);
    expect(n).toBe(1);
  });

  it('restores a saved position before the axes are known', () => {
    const dims = new Dims();
    dims.setPosition({ well: 'B02', z_index: 3 });
    dims.setAxes([wells(['A01', 'B02']), z(3)]);
    expect(dims.position()).toEqual({ well: 'B02', z_index: 3 });
  });

  it('gives sliders only to axes with more than one value; the others stay in the position', () => {
    const dims = new Dims();
    dims.setAxes([
      wells(['A01', 'B02']),
      z(1),
      { name: 'timepoint', values: [1], labels: ['T 1'] }
    ]);
    expect(dims.sliderAxes.map(a => a.name)).toEqual(['well']);
    expect(dims.position()).toEqual({ well: 'A01', z_index: 1, timepoint: 1 });
    dims.setAxes([wells(['A01', 'B02']), z(2)]);
    expect(dims.sliderAxes.map(a => a.name)).toEqual(['well', 'z_index']);
  });
});
