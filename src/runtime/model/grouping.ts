/**
 * OpenHCS grouping inside one well: planes that agree on every component except the step's
 * variable components form one group, whose planes (sorted by the variable components) make
 * the stack a step function receives.
 */
import type { ComponentValue } from '../../protocol/index.js';
import { formatImageXpressName } from './image-xpress.js';
import { PLANE_COMPONENTS, type PlaneComponent } from './step.js';

/** Identity of one plane of a well; a missing component is null, never a guess. */
export interface PlaneMeta {
  well: string;
  site: number | null;
  channel: number | null;
  z_index: number | null;
  timepoint: number | null;
}

/** A plane and the path it is stored at (on the plate, or a step's output dir). */
export interface GroupedPlane {
  path: string;
  meta: PlaneMeta;
}

export interface PlaneGroup {
  /** Values shared by the group (the non-variable components). */
  shared: Partial<Record<PlaneComponent, ComponentValue>>;
  planes: GroupedPlane[];
}

export function groupPlanes(
  planes: readonly GroupedPlane[],
  variable: readonly PlaneComponent[]
): PlaneGroup[] {
  const fixed = PLANE_COMPONENTS.filter(c => !variable.includes(c));
  const groups = new Map<string, PlaneGroup>();
  for (const plane of planes) {
    const key = fixed.map(c => String(plane.meta[c])).join('|');
    let group = groups.get(key);
    if (!group) {
      group = { shared: Object.fromEntries(fixed.map(c => [c, plane.meta[c]])), planes: [] };
      groups.set(key, group);
    }
    group.planes.push(plane);
  }
  const byVariable = comparator(variable);
  const byFixed = comparator(fixed);
  const out = [...groups.values()];
  for (const g of out) g.planes.sort((a, b) => byVariable(a.meta, b.meta));
  return out.sort((a, b) => byFixed(a.planes[0].meta, b.planes[0].meta));
}

/**
 * Metadata of the planes a function returned for a group of `inputs.length` planes:
 * - same count: plane i keeps input i's identity;
 * - one plane (a projection): the identity of the first input plane (e.g. z_index 1);
 * - any other count: the first variable component is renumbered 1..m, the rest is the first input's.
 */
export function outputMetas(
  inputs: readonly PlaneMeta[],
  count: number,
  variable: readonly PlaneComponent[]
): PlaneMeta[] {
  if (count === inputs.length) return inputs.map(m => ({ ...m }));
  if (count === 1) return [{ ...inputs[0] }];
  const first = variable[0];
  return Array.from({ length: count }, (_, i) => ({ ...inputs[0], [first]: i + 1 }));
}

/**
 * The axis value a projection's output is streamed with (`Z projection` in the viewer),
 * instead of the first input's value it keeps on disk (`z_index 1`, which read as if only
 * plane 1 was shown). See docs/runtime.md "Streaming".
 */
export const PROJECTION_VALUE = 'projection';

/**
 * Variable components a group was reduced over: the function returned one plane for a group
 * whose planes differ on them (a max projection over z: ['z_index']).
 */
export function projectedComponents(
  inputs: readonly PlaneMeta[],
  count: number,
  variable: readonly PlaneComponent[]
): PlaneComponent[] {
  if (count !== 1 || inputs.length < 2) return [];
  return variable.filter(c => new Set(inputs.map(m => m[c])).size > 1);
}

/** File name of a plane, ImageXpress style (`A01_s001_w2_z001_t001.tif`); null parts are left out. */
export function planeFileName(meta: PlaneMeta, extension = '.tif'): string {
  return formatImageXpressName({ ...meta, extension });
}

function comparator(components: readonly PlaneComponent[]) {
  return (a: PlaneMeta, b: PlaneMeta): number => {
    for (const c of components) {
      const x = a[c];
      const y = b[c];
      if (x === y) continue;
      if (x === null) return -1;
      if (y === null) return 1;
      return x - y;
    }
    return 0;
  };
}
