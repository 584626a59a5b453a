/**
 * ROI overlays (OpenHCS's shapes and points, served by `api/rois`) as the canvas draws them:
 * the sets of the current position (each set's axis values must match where the dims have
 * that axis), as line loops, line strips or points in full-resolution image pixels
 * ([x, y]), each in its object's label color (model/labels-colors.ts), yellow without one.
 * Ellipses become 48-vertex loops inside their bounding box. No DOM.
 */
import type { RoiOverlays, RoiSet } from '../../protocol/rois.js';
import { labelColor } from './labels-colors.js';
import type { AxisValue } from './plane.js';

export interface RoiDrawShape {
  /** loop: closed outline; strip: open path; points: one marker per vertex. */
  draw: 'loop' | 'strip' | 'points';
  /** [x, y] in full-resolution image pixels. */
  points: [number, number][];
  color: [number, number, number];
}

const NO_LABEL_COLOR: [number, number, number] = [255, 220, 0];
const ELLIPSE_VERTICES = 48;

export class RoiOverlayModel {
  get revision(): number {
    return this._overlays?.revision ?? -1;
  }

  get sets(): readonly RoiSet[] {
    return this._overlays?.sets ?? [];
  }

  set(overlays: RoiOverlays): void {
    this._overlays = overlays;
  }

  clear(): void {
    this._overlays = null;
  }

  /** The shapes at `position` (axis → value); a set's axis the dims lack does not filter. */
  shapesAt(
    position: Partial<Record<string, AxisValue>>,
    hiddenLayers: ReadonlySet<string>
  ): RoiDrawShape[] {
    const out: RoiDrawShape[] = [];
    for (const set of this.sets) {
      if (hiddenLayers.has(set.layer)) continue;
      const here = Object.entries(set.at).every(
        ([axis, value]) => position[axis] === undefined || position[axis] === value
      );
      if (!here) continue;
      for (const shape of set.shapes) out.push(drawShape(shape));
    }
    return out;
  }

  private _overlays: RoiOverlays | null = null;
}

export function drawShape(shape: RoiSet['shapes'][number]): RoiDrawShape {
  const id = Number(shape.label);
  const color =
    shape.label !== undefined && Number.isInteger(id) && id > 0 ? labelColor(id) : NO_LABEL_COLOR;
  const xy = shape.coordinates.map(([y, x]) => [x, y] as [number, number]);
  switch (shape.type) {
    case 'points':
      return { draw: 'points', points: xy, color };
    case 'path':
    case 'line':
      return { draw: 'strip', points: xy, color };
    case 'ellipse':
      return { draw: 'loop', points: ellipse(xy), color };
    default:
      return { draw: 'loop', points: xy, color };
  }
}

/** The ellipse inscribed in the bounding box of `corners`. */
function ellipse(corners: [number, number][]): [number, number][] {
  const xs = corners.map(c => c[0]);
  const ys = corners.map(c => c[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const [cx, cy, rx, ry] = [(x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2];
  return Array.from({ length: ELLIPSE_VERTICES }, (_, i) => {
    const t = (2 * Math.PI * i) / ELLIPSE_VERTICES;
    return [cx + rx * Math.cos(t), cy + ry * Math.sin(t)];
  });
}
