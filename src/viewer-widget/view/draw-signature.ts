/**
 * What a canvas paint puts on screen, as a flat list compared item by item (planes by
 * identity). The canvas keeps its drawing buffer, so a paint whose signature equals the last
 * one's skips the WebGL draw: on a software GPU (SwiftShader) every draw shades each canvas
 * pixel once per layer (~90 ms a channel at 1160 × 853 px under load), and a server event that
 * changes no pixel (a new well announced while its plane is still on its way) used to cost a
 * whole frame just before the new plane's paint, which then waited for it.
 */
import type { CameraState } from '../model/camera.js';
import type { DrawTile } from './gl-renderer.js';

export type DrawSignature = readonly unknown[];

/** The signature of drawing `tiles` through `camera` into a canvas of `width` × `height`. */
export function drawSignature(
  tiles: readonly DrawTile[],
  camera: CameraState,
  width: number,
  height: number
): DrawSignature {
  const out: unknown[] = [width, height, camera.zoom, camera.centerX, camera.centerY];
  for (const { layers, rois, rect } of tiles) {
    out.push(rect.x, rect.y, rect.width, rect.height, rois.length ? JSON.stringify(rois) : '');
    out.push(layers.length);
    for (const l of layers) {
      out.push(l.plane, l.fullShape[0], l.fullShape[1], l.contrast[0], l.contrast[1]);
      out.push(l.colormap, l.opacity, l.gamma, l.labels ?? '');
    }
  }
  return out;
}

/** True when both would draw the same pixels (null: nothing drawn yet). */
export function sameDraw(a: DrawSignature | null, b: DrawSignature): boolean {
  return a !== null && a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}
