import {
  groupPlanes,
  outputMetas,
  planeFileName,
  projectedComponents,
  type GroupedPlane,
  type PlaneMeta
} from './grouping.js';

const meta = (site: number, channel: number, z: number | null): PlaneMeta => ({
  well: 'A01',
  site,
  channel,
  z_index: z,
  timepoint: 1
});
const planes: GroupedPlane[] = [];
for (const c of [2, 1])
  for (const s of [2, 1])
    for (const z of [3, 1, 2]) planes.push({ path: `p${s}${c}${z}`, meta: meta(s, c, z) });

describe('groupPlanes', () => {
  it("groups by everything but the variable components (default ['site'])", () => {
    const groups = groupPlanes(planes, ['site']);
    expect(groups).toHaveLength(2 * 3);
    expect(groups[0].shared).toEqual({ channel: 1, z_index: 1, timepoint: 1 });
    expect(groups[0].planes.map(p => p.meta.site)).toEqual([1, 2]);
  });

  it('gives a z-projection all z-planes of one site and channel, sorted by z', () => {
    const groups = groupPlanes(planes, ['z_index']);
    expect(groups.map(g => [g.shared.site, g.shared.channel])).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
      [2, 2]
    ]);
    expect(groups[3].planes.map(p => p.path)).toEqual(['p221', 'p222', 'p223']);
  });

  it('sorts missing components (null) first instead of failing', () => {
    const withNull = [
      { path: 'b', meta: meta(1, 1, 2) },
      { path: 'a', meta: meta(1, 1, null) }
    ];
    expect(groupPlanes(withNull, ['z_index'])[0].planes.map(p => p.path)).toEqual(['a', 'b']);
  });
});

describe('outputMetas', () => {
  const inputs = [meta(1, 2, 1), meta(1, 2, 2), meta(1, 2, 3)];
  it('keeps identities when the count is unchanged', () => {
    expect(outputMetas(inputs, 3, ['z_index'])).toEqual(inputs);
  });
  it('gives a projection the first plane’s identity', () => {
    expect(outputMetas(inputs, 1, ['z_index'])).toEqual([meta(1, 2, 1)]);
  });
  it('renumbers the first variable component for any other count', () => {
    expect(outputMetas(inputs, 2, ['z_index', 'site']).map(m => m.z_index)).toEqual([1, 2]);
  });
});

describe('projectedComponents', () => {
  const inputs = [meta(1, 2, 1), meta(1, 2, 2), meta(1, 2, 3)];
  it('names the variable components one output plane was reduced over (a max over z)', () => {
    expect(projectedComponents(inputs, 1, ['z_index'])).toEqual(['z_index']);
    expect(projectedComponents(inputs, 1, ['z_index', 'site'])).toEqual(['z_index']);
  });
  it('is empty when planes keep their identity or a single plane came in', () => {
    expect(projectedComponents(inputs, 3, ['z_index'])).toEqual([]);
    expect(projectedComponents(inputs, 2, ['z_index'])).toEqual([]);
    expect(projectedComponents([meta(1, 2, 1)], 1, ['z_index'])).toEqual([]);
  });
});

describe('planeFileName', () => {
  it('writes ImageXpress names and leaves out missing parts', () => {
    expect(planeFileName(meta(2, 3, 1))).toBe('A01_s002_w3_z001_t001.tif');
    expect(
      planeFileName({ well: 'B07', site: null, channel: 1, z_index: null, timepoint: null })
    ).toBe('B07_w1.tif');
  });
});
