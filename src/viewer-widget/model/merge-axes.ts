import type { AxisInfo } from '../../protocol/messages.js';
import { compareAxisValues } from './axis-values.js';
import type { DimsAxis } from './dims.js';
import type { AxisValue } from './plane.js';

/**
 * One slider per axis name across all layers: the union of the layers' values, sorted as
 * the server sorts (numbers numerically, names lexically). Axis order is the order of first
 * appearance, which follows the server's component order.
 */
export function mergeAxes(layerAxes: readonly (readonly AxisInfo[])[]): DimsAxis[] {
  const order: AxisInfo['name'][] = [];
  const labelsByAxis = new Map<AxisInfo['name'], Map<AxisValue, string>>();
  for (const axes of layerAxes) {
    for (const axis of axes) {
      let labels = labelsByAxis.get(axis.name);
      if (!labels) {
        labels = new Map();
        labelsByAxis.set(axis.name, labels);
        order.push(axis.name);
      }
      axis.values.forEach((value, i) => {
        if (!labels.has(value) || labels.get(value) === '') labels.set(value, axis.labels[i] ?? '');
      });
    }
  }
  return order.map(name => {
    const labels = labelsByAxis.get(name)!;
    const values = [...labels.keys()].sort(compareAxisValues);
    return { name, values, labels: values.map(v => labels.get(v) ?? '') };
  });
}
