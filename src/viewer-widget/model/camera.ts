/**
 * Camera: pan and zoom of the canvas in image pixels. `zoom` is screen pixels per image
 * pixel; `centerX/centerY` is the image point at the canvas centre.
 */
export interface CameraState {
  zoom: number;
  centerX: number;
  centerY: number;
}

export const MIN_ZOOM = 1 / 64;
export const MAX_ZOOM = 256;

export class Camera implements CameraState {
  zoom = 1;
  centerX = 0;
  centerY = 0;
  /** False until fitted to an image or restored; the view fits the first image it shows. */
  placed = false;
  /** The user panned or zoomed (or a saved camera was restored): no automatic re-fit. */
  userMoved = false;

  /** Show a whole `width` × `height` image in a `viewW` × `viewH` canvas. */
  fit(width: number, height: number, viewW: number, viewH: number): void {
    this.zoom = clampZoom(Math.min(viewW / width, viewH / height));
    this.centerX = width / 2;
    this.centerY = height / 2;
    this.placed = true;
    this.userMoved = false;
  }

  /** Canvas pixel (origin top-left) → image pixel coordinates. */
  toImage(sx: number, sy: number, viewW: number, viewH: number): [number, number] {
    return [
      this.centerX + (sx - viewW / 2) / this.zoom,
      this.centerY + (sy - viewH / 2) / this.zoom
    ];
  }

  /** Image pixel coordinates → canvas pixel (origin top-left); the inverse of toImage. */
  toScreen(ix: number, iy: number, viewW: number, viewH: number): [number, number] {
    return [
      (ix - this.centerX) * this.zoom + viewW / 2,
      (iy - this.centerY) * this.zoom + viewH / 2
    ];
  }

  /** Drag by screen pixels: the image follows the pointer. */
  pan(dx: number, dy: number): void {
    this.centerX -= dx / this.zoom;
    this.centerY -= dy / this.zoom;
    this.userMoved = true;
  }

  /** Zoom by `factor` keeping the image point under the cursor fixed. */
  zoomAt(factor: number, sx: number, sy: number, viewW: number, viewH: number): void {
    const [ix, iy] = this.toImage(sx, sy, viewW, viewH);
    this.zoom = clampZoom(this.zoom * factor);
    this.centerX = ix - (sx - viewW / 2) / this.zoom;
    this.centerY = iy - (sy - viewH / 2) / this.zoom;
    this.userMoved = true;
  }

  state(): CameraState {
    return { zoom: this.zoom, centerX: this.centerX, centerY: this.centerY };
  }

  restore(s: CameraState): void {
    if (!(s.zoom > 0) || !Number.isFinite(s.centerX) || !Number.isFinite(s.centerY)) return;
    this.zoom = clampZoom(s.zoom);
    this.centerX = s.centerX;
    this.centerY = s.centerY;
    this.placed = true;
    this.userMoved = true;
  }
}

function clampZoom(z: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z));
}
