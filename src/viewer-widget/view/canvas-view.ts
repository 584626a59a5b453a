/**
 * CanvasView: the WebGL canvas with the text overlay, the image outline and, when the
 * pixel size is known, a scale bar. Pan by dragging,
 * zoom with the wheel about the cursor, double-click to fit. Paints at most once per
 * animation frame, whatever the number of changes in between. Tells the host which image
 * pixel is under the pointer (the readout row is the host's).
 */
import { Camera } from '../model/camera.js';
import { OVERLAY_SEPARATOR } from '../model/overlay.js';
import { scaleBar } from '../model/scale-bar.js';
import { CanvasTiles, type ViewTile } from './canvas-tiles.js';
import { el, testId } from './dom.js';
import { drawSignature, sameDraw, type DrawSignature } from './draw-signature.js';
import { GlRenderer, type DrawLayer } from './gl-renderer.js';
import type { RoiDrawShape } from '../model/roi-overlays.js';

export interface CanvasViewHost {
  /** Layers to draw, bottom first. */
  drawLayers(): DrawLayer[];
  /** The view changed size or zoom (device px of the panel, device px per image px). */
  viewportChanged(viewportPx: number, scale: number | null): void;
  painted(): void;
  cameraChanged(): void;
  /**
   * Image point under the pointer (full-resolution pixels) and the layers drawn there (its
   * tile's, side by side); null when it left the canvas or is in a gap between tiles.
   */
  pointerMoved(at: { x: number; y: number; layers: readonly DrawLayer[] } | null): void;
  /** ROI overlays at the current position (drawn over the layers). */
  roiShapes?(): RoiDrawShape[];
  /** Side by side: the drawn layers split into a tile per run; null: one view. */
  tiles?(layers: readonly DrawLayer[]): ViewTile[] | null;
}

export class CanvasView {
  readonly node: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  readonly camera = new Camera();

  constructor(
    private readonly _host: CanvasViewHost,
    textureBytes?: number
  ) {
    this.node = el('div', 'stage');
    this.canvas = el('canvas', 'canvas', { 'data-testid': testId('canvas'), 'data-frame': '0' });
    this.overlay = el('div', 'overlay', { 'data-testid': testId('overlay') });
    this._outline = el('div', 'outline', { 'data-testid': testId('outline') });
    this._outline.hidden = true;
    this.message = el('div', 'message');
    this._scaleBar = el('div', 'scalebar', { 'data-testid': testId('scalebar') });
    this._scaleBar.hidden = true;
    this.node.append(
      this.canvas,
      this._outline,
      this._tiles.node,
      this.overlay,
      this._scaleBar,
      this.message
    );
    const createRenderer = () => {
      try {
        this._renderer = new GlRenderer(this.canvas, textureBytes);
        this._lastDraw = null; // a new context starts blank
        this.message.textContent = '';
      } catch (err) {
        this.message.textContent = (err as Error).message;
      }
    };
    createRenderer();
    // A lost context (GPU reset, too many contexts) takes every texture with it: rebuild.
    this.canvas.addEventListener('webglcontextlost', e => {
      e.preventDefault(); // allows the browser to restore the context
      this._renderer = null;
      this.message.textContent = 'WebGL context lost; waiting for the browser to restore it';
    });
    this.canvas.addEventListener('webglcontextrestored', () => {
      createRenderer();
      this.schedulePaint();
    });
    this._listen();
    if (typeof ResizeObserver !== 'undefined') {
      this._resizeObserver = new ResizeObserver(() => this.resize());
      this._resizeObserver.observe(this.node);
    }
  }

  readonly overlay: HTMLElement;
  readonly message: HTMLElement;

  /** Layers of the last paint, bottom first. */
  get drawn(): readonly DrawLayer[] {
    return this._drawn;
  }

  /**
   * Overlay labels, each kept on one line (a span that does not wrap): the text wraps only
   * between labels, never inside `Z 1`. The text reads `label | label | …`.
   */
  setOverlay(labels: readonly string[]): void {
    const nodes: Node[] = [];
    labels.forEach((label, i) => {
      if (i > 0) nodes.push(document.createTextNode(OVERLAY_SEPARATOR));
      nodes.push(el('span', 'overlay-label', {}, label));
    });
    this.overlay.replaceChildren(...nodes);
  }

  /**
   * Device pixels per CSS pixel the canvas is drawn at: the display's, at most
   * `maxPixelRatio`. A software GPU shades every canvas pixel per layer, so a cap of 1 on a
   * DPR 2 display draws a quarter of the pixels (docs/benchmarks.md, P4, measures it).
   */
  get pixelRatio(): number {
    return Math.min(devicePixelRatio(), this._maxPixelRatio);
  }

  get maxPixelRatio(): number {
    return this._maxPixelRatio;
  }

  set maxPixelRatio(value: number) {
    if (!(value > 0)) throw new RangeError(`maxPixelRatio must be > 0, got ${value}`);
    this._maxPixelRatio = value;
    this.resize();
  }

  /**
   * Something lies over the whole canvas (the plate grid): paints wait until it goes, since
   * a draw nobody sees costs a software GPU 90–390 ms that the cover's own drawing needs.
   */
  get covered(): boolean {
    return this._covered;
  }

  set covered(on: boolean) {
    if (on === this._covered) return;
    this._covered = on;
    if (!on) this.schedulePaint();
  }

  /** Ask for a paint on the next animation frame. */
  schedulePaint(): void {
    if (this._frame !== 0) return;
    this._frame = requestAnimationFrame(() => {
      this._frame = 0;
      this.paint();
    });
  }

  /** Paint now (screenshots need the pixels in the buffer right away). */
  paint(): void {
    if (!this._renderer || this._disposed || this._covered) return;
    const layers = this._host.drawLayers();
    this._drawn = layers;
    const [h, w] = extent(layers);
    const tiles = this._host.tiles?.(layers) ?? null;
    this._tiles.layout(tiles, this.canvas.clientWidth, this.canvas.clientHeight, w, h);
    // Fit the drawn extent until the user pans or zooms: a layer of another size (a new
    // step's output) is then shown whole, and planes are requested at the size on screen.
    const [viewW, viewH] = this._tiles.tileSize;
    if (w > 0 && viewW > 0 && !this.camera.userMoved && `${w}x${h}@${viewW}` !== this._fitted) {
      this._fitted = `${w}x${h}@${viewW}`; // a tile's width changes when tiling starts or ends
      this.camera.fit(w, h, viewW, viewH);
      this._reportViewport();
    }
    const dpr = this.pixelRatio;
    const cam = this.camera.state();
    const devCam = { zoom: cam.zoom * dpr, centerX: cam.centerX, centerY: cam.centerY };
    const { width, height } = this.canvas;
    const rois = this._tiles.tiled ? [] : (this._host.roiShapes?.() ?? []);
    const drawn = this._tiles.tiled
      ? this._tiles.drawTiles(dpr)
      : [{ layers, rois, rect: { x: 0, y: 0, width, height } }];
    // the buffer is kept: the same pixels again need no draw (draw-signature.ts says why)
    const signature = drawSignature(drawn, devCam, width, height);
    if (!sameDraw(this._lastDraw, signature)) {
      if (this._tiles.tiled) this._renderer.drawTiles(drawn, devCam);
      else this._renderer.draw(layers, devCam, rois);
      this._lastDraw = signature;
    }
    this._frames++;
    this.canvas.dataset.frame = String(this._frames);
    this._placeOutline(h, w);
    this._tiles.place(this.camera, w, h);
    this._placeScaleBar(layers);
    if (this._pointer) this._pointerAt(this._pointer); // the planes under the cursor changed
    this._host.painted();
  }

  /** Match the canvas buffer to its CSS size × devicePixelRatio. */
  resize(): void {
    const dpr = this.pixelRatio;
    const w = Math.max(1, Math.round(this.canvas.clientWidth * dpr));
    const h = Math.max(1, Math.round(this.canvas.clientHeight * dpr));
    if (w !== this.canvas.width || h !== this.canvas.height) {
      this.canvas.width = w;
      this.canvas.height = h;
      if (!this.camera.userMoved) this._fitted = ''; // re-fit to the new size
      this.schedulePaint();
    }
    this._reportViewport();
  }

  /** Show the whole drawn extent (double-click); automatic re-fitting resumes. */
  fit(): void {
    const [h, w] = extent(this._drawn);
    if (w === 0) return;
    const [viewW, viewH] = this._tiles.tileSize;
    this._fitted = `${w}x${h}@${viewW}`;
    this.camera.fit(w, h, viewW, viewH);
    this._cameraMoved();
  }

  dispose(): void {
    this._disposed = true;
    if (this._frame) cancelAnimationFrame(this._frame);
    this._resizeObserver?.disconnect();
    if (this._renderer && !this._renderer.gl.isContextLost()) this._renderer.dispose();
  }

  private _reportViewport(): void {
    const dpr = this.pixelRatio;
    const [viewW, viewH] = this._tiles.tiled
      ? this._tiles.tileSize
      : [this.canvas.clientWidth, this.canvas.clientHeight];
    const viewport = Math.max(viewW, viewH) * dpr;
    // while fitting, the panel size is what is needed; once zoomed, what the zoom shows
    this._host.viewportChanged(viewport, this.camera.userMoved ? this.camera.zoom * dpr : null);
  }

  private _cameraMoved(): void {
    this._reportViewport();
    this.schedulePaint();
    this._host.cameraChanged();
  }

  private _listen(): void {
    const c = this.canvas;
    let drag: { x: number; y: number; id: number } | null = null;
    c.addEventListener('pointerdown', e => {
      drag = { x: e.clientX, y: e.clientY, id: e.pointerId };
      c.setPointerCapture?.(e.pointerId);
    });
    c.addEventListener('pointermove', e => {
      if (drag && drag.id === e.pointerId) {
        this.camera.pan(e.clientX - drag.x, e.clientY - drag.y);
        drag.x = e.clientX;
        drag.y = e.clientY;
        this._cameraMoved();
      }
      this._pointer = { clientX: e.clientX, clientY: e.clientY };
      this._pointerAt(this._pointer);
    });
    const end = (e: PointerEvent) => {
      if (drag && drag.id === e.pointerId) drag = null;
    };
    c.addEventListener('pointerup', end);
    c.addEventListener('pointercancel', end);
    c.addEventListener('pointerleave', () => {
      this._pointer = null;
      this._host.pointerMoved(null);
    });
    c.addEventListener(
      'wheel',
      e => {
        e.preventDefault();
        const rect = c.getBoundingClientRect();
        const factor = Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.002));
        // about the pointer in its tile (side by side: every tile zooms alike)
        const at = this._tiles.at(e.clientX - rect.left, e.clientY - rect.top, this._drawn);
        if (!at) return;
        const [viewW, viewH] = this._tiles.tileSize;
        this.camera.zoomAt(factor, at.x, at.y, viewW, viewH);
        this._cameraMoved();
      },
      { passive: false }
    );
    c.addEventListener('dblclick', () => this.fit());
  }

  private _pointerAt(e: { clientX: number; clientY: number }): void {
    const rect = this.canvas.getBoundingClientRect();
    const at = this._tiles.at(e.clientX - rect.left, e.clientY - rect.top, this._drawn);
    if (!at) return this._host.pointerMoved(null);
    const [viewW, viewH] = this._tiles.tileSize;
    const [x, y] = this.camera.toImage(at.x, at.y, viewW, viewH);
    this._host.pointerMoved({ x, y, layers: at.layers });
  }

  /**
   * A thin frame around the drawn extent: an image that is black where it meets the black
   * background (a dark field, a hidden channel) still shows where it is.
   */
  private _placeOutline(h: number, w: number): void {
    const viewW = this.canvas.clientWidth;
    const viewH = this.canvas.clientHeight;
    this._outline.hidden = w === 0 || viewW === 0 || this._tiles.tiled; // tiles have their own
    if (this._outline.hidden) return;
    const [left, top] = this.camera.toScreen(0, 0, viewW, viewH);
    const [right, bottom] = this.camera.toScreen(w, h, viewW, viewH);
    const style = this._outline.style;
    style.left = `${left}px`;
    style.top = `${top}px`;
    style.width = `${right - left}px`;
    style.height = `${bottom - top}px`;
  }

  /** A bar of a round length under the image's bottom right, in the first drawn pixel size. */
  private _placeScaleBar(layers: readonly DrawLayer[]): void {
    const size = layers.find(l => l.pixelSize)?.pixelSize;
    const bar = size ? scaleBar(size, this.camera.zoom) : null;
    this._scaleBar.hidden = !bar;
    if (!bar) return;
    this._scaleBar.style.width = `${bar.widthPx}px`;
    this._scaleBar.textContent = bar.label;
    this._scaleBar.dataset.length = bar.label;
  }

  private _renderer: GlRenderer | null = null;
  private _maxPixelRatio = Infinity;
  /** What the canvas buffer holds now (null: blank or unknown). */
  private _lastDraw: DrawSignature | null = null;
  private readonly _tiles = new CanvasTiles();
  private _scaleBar: HTMLElement;
  private _outline: HTMLElement;
  private _drawn: DrawLayer[] = [];
  private _fitted = '';
  /** Last cursor position over the canvas, so the readout follows repaints too. */
  private _pointer: { clientX: number; clientY: number } | null = null;
  private _frame = 0;
  private _frames = 0;
  private _disposed = false;
  private _covered = false;
  private _resizeObserver: ResizeObserver | null = null;
}

/** [height, width] covering every drawn layer (all are drawn from the origin). */
function extent(layers: readonly DrawLayer[]): [number, number] {
  let h = 0;
  let w = 0;
  for (const l of layers) {
    h = Math.max(h, l.fullShape[0]);
    w = Math.max(w, l.fullShape[1]);
  }
  return [h, w];
}

function devicePixelRatio(): number {
  return globalThis.devicePixelRatio || 1;
}
