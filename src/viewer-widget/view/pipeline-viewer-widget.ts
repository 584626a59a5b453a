/**
 * PipelineViewerWidget: the docked viewer. A Lumino widget that owns a ViewerModel, a
 * connection to one viewer server and the views of the model (canvas, layer list, readout
 * row, sliders). The host (the JupyterLab extension) gives it a base URL and saves
 * `viewerState()`; see README.md for the API and the stable selectors.
 */
import { Signal, type ISignal } from '@lumino/signaling';
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import { GridLoader } from '../client/grid-loader.js';
import { RoiLoader } from '../client/roi-loader.js';
import { ServerConnection } from '../client/server-connection.js';
import { ViewerSession } from '../client/viewer-session.js';
import { GridModel } from '../model/grid.js';
import { keyAction } from '../model/keys.js';
import { overlayLabels } from '../model/overlay.js';
import { channelContrast, isChannelLayer } from '../model/layer-channels.js';
import { readoutAt } from '../model/readout.js';
import { RoiOverlayModel } from '../model/roi-overlays.js';
import { SideBySide } from '../model/side-by-side.js';
import { ViewerModel, type VisiblePlane } from '../model/viewer-model.js';
import type { PipelineViewerOptions, PipelineViewerState, ViewerStats } from '../tokens.js';
import { splitIntoTiles, type ViewTile } from './canvas-tiles.js';
import { CanvasView } from './canvas-view.js';
import { ChannelModeButton } from './channel-mode-button.js';
import { drawLayers, planeOnScreen } from './draw-layers.js';
import { DimsPanel } from './dims-panel.js';
import { el, PREFIX, testId } from './dom.js';
import type { DrawLayer } from './gl-renderer.js';
import { GridView } from './grid-view.js';
import { HelpOverlay } from './help-overlay.js';
import { LayerListPanel } from './layer-list-panel.js';
import { producersByHostText } from '../model/producers.js';
import { ReadoutRow } from './readout-row.js';
import { SideBySideButton } from './side-by-side-button.js';

const STATE_DEBOUNCE_MS = 500;

/**
 * Below this panel width the layer list starts collapsed (until the user opens or closes
 * it), so the canvas keeps the panel: two viewers docked beside a notebook are ~250 px.
 */
const NARROW_PANEL_PX = 520;

export class PipelineViewerWidget extends Widget {
  readonly model: ViewerModel;
  readonly connection: ServerConnection;
  readonly session: ViewerSession;
  /** Runs side by side, a tile each (compare runs); saved in `viewerState()`. */
  readonly sideBySide = new SideBySide();

  constructor(options: PipelineViewerOptions) {
    super();
    this.addClass(PREFIX);
    this.node.dataset.testid = testId();
    this.node.tabIndex = -1;
    this.title.label = 'Pipeline Viewer';
    this.title.closable = true;

    this.model = new ViewerModel({
      followNewest: options.followNewest,
      cacheBytes: options.cacheBytes
    });
    this.connection = new ServerConnection(options);
    this.session = new ViewerSession(this.model, this.connection);

    this._canvas = new CanvasView(
      {
        drawLayers: () => this._drawLayers(),
        viewportChanged: (px, scale) => this.session.setViewport(px, scale),
        painted: () => {
          this.session.notePainted();
          this._layersPanel.refreshHistograms();
        },
        cameraChanged: () => this._stateTouched(),
        pointerMoved: at => this._showReadout(at),
        roiShapes: () => this._roiShapes(),
        tiles: drawn => this._tiles(drawn)
      },
      options.textureBytes
    );
    this._readout = new ReadoutRow();
    this._status = el(
      'div',
      'status',
      { 'data-testid': testId('status'), 'data-status': 'disconnected' },
      'disconnected'
    );
    this._layersPanel = new LayerListPanel(
      this.model.layers,
      this.model.channels,
      (key, channel) => planeOnScreen(this.model, this.session, key, channel)?.data
    );
    this._channelMode = new ChannelModeButton(this.model.channels);
    this._canvas.node.append(this._channelMode.node);
    this._layersPanel.keepRequested.connect((_, key) => void this.connection.keepRun(key), this);
    this._layersPanel.toggled.connect((_, collapsed) => {
      this._layersCollapsed = collapsed;
      this._applyLayersCollapsed();
      this._stateTouched();
    }, this);
    this._dimsPanel = new DimsPanel(this.model.dims);
    // the status shares the "Follow newest" line: not over the image, not in the readout's way
    this._dimsPanel.footer.append(this._status);
    // plate grid and key help over the canvas (issue 10's navigation)
    const grid = new GridModel(this.model.dims, at => this.model.visiblePlanes(at));
    this._gridLoader = new GridLoader(
      this.model,
      this.session.loader,
      grid,
      this.session.connection
    );
    // thumbnails drawn as the canvas draws (draw-layers.ts): a channel's own settings
    this._grid = new GridView(this.model, grid, this._gridLoader, ({ layer, channel }) => {
      const c = channel !== undefined ? this.model.channels.get(channel) : undefined;
      return {
        contrast: c ? channelContrast(c, layer.info) : layer.effectiveContrastLimits,
        colormap: c ? c.colormap : layer.colormap,
        opacity: layer.opacity,
        gamma: c ? c.gamma : 1
      };
    });
    this.model.channels.changed.connect(() => this._grid.schedulePaint(), this);
    // the grid covers the single view: it neither paints nor fetches meanwhile
    this._grid.shownChanged.connect((_, shown) => {
      this._canvas.covered = shown;
      this.session.setPaused(shown);
    }, this);
    this._help = new HelpOverlay();
    this._canvas.node.append(this._grid.node, this._help.node);
    this._dimsPanel.footer.append(this._grid.toggle);
    // compare runs: each run in its own tile of the canvas (napari's grid mode)
    this._sideBySideButton = new SideBySideButton(this.sideBySide);
    this._dimsPanel.footer.append(this._sideBySideButton.node);
    this.sideBySide.changed.connect(() => {
      this._stateTouched();
      this._canvas.schedulePaint();
    }, this);
    const main = el('div', 'main');
    main.append(this._canvas.node, this._layersPanel.node);
    this.node.append(main, this._readout.node, this._dimsPanel.node);

    this.session.changed.connect(() => this._canvas.schedulePaint(), this);
    this.session.statsChanged.connect((_, stats) => this._onStats(stats), this);
    this.session.errorOccurred.connect((_, msg) => this._showError(msg), this);
    this._roiLoader = new RoiLoader(
      this.connection,
      this._rois,
      () => this._canvas.schedulePaint(),
      msg => this._showError(msg)
    );
    this.model.dims.changed.connect(() => {
      this._updateOverlay();
      this._stateTouched();
    }, this);
    this.model.layers.changed.connect((_, change) => {
      if (change.kind !== 'info') this._stateTouched();
      this._channelMode.update([...this.model.layers].some(l => isChannelLayer(l.info)));
      this._sideBySideButton.update(SideBySide.available(this._layerInfos()));
      if (this.model.compositeAxis) this._updateOverlay(); // its channels may have grown
      this._canvas.schedulePaint();
    }, this);
    this.model.channels.changed.connect(() => {
      this._updateOverlay();
      this._stateTouched();
      this._canvas.schedulePaint();
    }, this);
    this._updateOverlay();
    this.node.addEventListener('keydown', this._onKey);
    this._canvas.canvas.addEventListener('pointerdown', () => this.node.focus());
    this._grid.canvas.addEventListener('pointerdown', () => this.node.focus());
    if (options.autoConnect ?? true) this.connect();
  }

  /** Connection, fps and drops, about once a second and on every status change. */
  get statsChanged(): ISignal<this, ViewerStats> {
    return this._statsChanged;
  }

  get stats(): ViewerStats {
    return this.session.stats;
  }

  /** Something `viewerState()` returns changed (debounced): time to save it. */
  get stateChanged(): ISignal<this, void> {
    return this._stateChanged;
  }

  get baseUrl(): string {
    return this.connection.baseUrl;
  }

  connect(): void {
    this.connection.connect();
  }

  setBaseUrl(url: string): void {
    this.connection.setBaseUrl(url);
  }

  /** Forget the planes held in the browser and blank the canvas; they are fetched again when needed. */
  clear(): void {
    this.session.clear();
  }

  /** A PNG of the canvas as it is shown now. */
  screenshot(): Promise<Blob> {
    this._canvas.paint();
    return new Promise((resolve, reject) =>
      this._canvas.canvas.toBlob(
        blob =>
          blob
            ? resolve(blob)
            : reject(new Error('Pipeline viewer: the canvas could not be encoded as PNG')),
        'image/png'
      )
    );
  }

  viewerState(): PipelineViewerState {
    // a camera is saved only when the user placed it; otherwise the view keeps fitting
    const camera = this._canvas.camera;
    return {
      ...this.model.viewerState(),
      camera: camera.userMoved ? camera.state() : undefined,
      layersCollapsed: this._layersCollapsed ?? undefined,
      sideBySide: this.sideBySide.enabled || undefined
    };
  }

  restore(state: Partial<PipelineViewerState>): void {
    this.model.restore(state);
    if (state.camera) this._canvas.camera.restore(state.camera);
    if (typeof state.sideBySide === 'boolean') this.sideBySide.enabled = state.sideBySide;
    if (typeof state.layersCollapsed === 'boolean') {
      this._layersCollapsed = state.layersCollapsed;
      this._applyLayersCollapsed();
    }
    this._updateOverlay();
    this._canvas.schedulePaint();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    clearTimeout(this._stateTimer);
    this.node.removeEventListener('keydown', this._onKey);
    this._dimsPanel.dispose();
    this._grid.dispose();
    this._gridLoader.dispose();
    this._layersPanel.dispose();
    this._channelMode.dispose();
    this._sideBySideButton.dispose();
    this._canvas.dispose();
    this.session.dispose();
    this._roiLoader.dispose();
    this.connection.dispose();
    Signal.clearData(this);
    super.dispose();
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._applyLayersCollapsed();
    this._canvas.resize();
    this._canvas.schedulePaint();
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this._applyLayersCollapsed();
    this._canvas.resize();
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._canvas.resize();
    this._canvas.schedulePaint();
  }

  /** Keys as in napari (model/keys.ts), not while typing in a field or on a slider. */
  private _onKey = (e: KeyboardEvent): void => {
    const target = e.target as HTMLElement | null;
    if (target && /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) return;
    const action = keyAction(e, this.model.dims);
    if (!action) return;
    e.preventDefault();
    const dims = this.model.dims;
    switch (action.kind) {
      case 'step':
        return dims.step(action.axis, action.delta, false);
      case 'jump':
        return dims.setIndex(
          action.axis,
          action.to === 'first' ? 0 : (dims.axis(action.axis)?.values.length ?? 1) - 1
        );
      case 'help':
        this._help.shown = !this._help.shown;
        return;
      case 'grid':
        return this._grid.setShown(!this._grid.shown);
      case 'sideBySide':
        if (!this._sideBySideButton.node.disabled)
          this.sideBySide.enabled = !this.sideBySide.enabled;
        return;
      case 'fit':
        return this._canvas.fit();
      case 'close':
        if (this._help.shown) this._help.shown = false;
        else this._grid.setShown(false);
    }
  };

  private _drawLayers(): DrawLayer[] {
    this._canvas.canvas.dataset.position = JSON.stringify(this.model.dims.position());
    this._canvas.canvas.dataset.loading = String(this.session.loading);
    // test hooks: scrubbing must keep painting new planes and abort none (issue 10, defect 14)
    this._canvas.canvas.dataset.planesShown = String(this.session.planesShown);
    this._canvas.canvas.dataset.aborted = String(this.session.loader.aborted);
    return drawLayers(this.model, this.session);
  }

  private _updateOverlay(): void {
    this._canvas.setOverlay(overlayLabels(this.model.dims, this.model.compositeAxis));
  }

  /** The value under the pointer of each layer drawn there (side by side: its tile's). */
  private _showReadout(at: { x: number; y: number; layers: readonly DrawLayer[] } | null): void {
    const drawn = at?.layers ?? this._canvas.drawn;
    const size = drawn.find(l => l.pixelSize)?.pixelSize;
    this._readout.show(at ? readoutAt(drawn, at.x, at.y, size) : null);
  }

  private _layerInfos() {
    return [...this.model.layers].map(l => l.info);
  }

  /**
   * Side by side: the drawn layers and ROIs split into a tile per run (model/side-by-side.ts),
   * every run's tile kept even while it has nothing at this position; null for one view.
   */
  private _tiles(drawn: readonly DrawLayer[]): ViewTile[] | null {
    const runs = this.sideBySide.tiles(this._layerInfos());
    const layers = [...this.model.layers];
    const position = this.model.dims.position();
    // a tile's ROIs: those of its own visible layers (shapesAt leaves out the keys given)
    const roisOf = (own: ReadonlySet<string>) =>
      this._rois.shapesAt(
        position,
        new Set(layers.filter(l => !l.visible || !own.has(l.key)).map(l => l.key))
      );
    return runs && splitIntoTiles(runs, drawn, roisOf);
  }

  /** The user's choice, else collapsed in a narrow panel (see NARROW_PANEL_PX). */
  private _applyLayersCollapsed(): void {
    const width = this.node.clientWidth;
    const collapsed = this._layersCollapsed ?? (width > 0 && width < NARROW_PANEL_PX);
    if (collapsed === this._layersPanel.collapsed) return;
    this._layersPanel.collapsed = collapsed;
    this._canvas.resize();
  }

  private _onStats(stats: ViewerStats): void {
    const parts = [stats.status, `${stats.fps} fps`, `${stats.drops} drops`];
    if (stats.imagesPerSecond >= 0) parts.push(`${stats.imagesPerSecond.toFixed(1)} img/s in`);
    const producers = producersByHostText(stats.producersByHost);
    if (producers) parts.push(producers);
    this._status.textContent = parts.join(' · ');
    this._status.dataset.status = stats.status;
    this._statsChanged.emit(stats);
  }

  private _showError(message: string): void {
    this._status.title = message;
    this._canvas.message.textContent = message;
    clearTimeout(this._errorTimer);
    this._errorTimer = setTimeout(() => (this._canvas.message.textContent = ''), 5000);
  }

  private _stateTouched(): void {
    clearTimeout(this._stateTimer);
    this._stateTimer = setTimeout(() => this._stateChanged.emit(), STATE_DEBOUNCE_MS);
  }

  private _canvas: CanvasView;
  private _readout: ReadoutRow;
  private _status: HTMLElement;
  /** null until the user opens or closes the layer list: then it follows the panel width. */
  private _layersCollapsed: boolean | null = null;
  private _layersPanel: LayerListPanel;
  private _channelMode: ChannelModeButton;
  private _sideBySideButton: SideBySideButton;
  private _dimsPanel: DimsPanel;
  private _grid: GridView<VisiblePlane>;
  private _gridLoader: GridLoader<VisiblePlane>;
  private _help: HelpOverlay;
  private _stateTimer: ReturnType<typeof setTimeout> | undefined;
  private _errorTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly _rois = new RoiOverlayModel();
  private _roiLoader: RoiLoader;

  /** ROI overlays of the current position, of layers not hidden; counted for tests. */
  private _roiShapes() {
    const hidden = new Set([...this.model.layers].filter(l => !l.visible).map(l => l.key));
    const shapes = this._rois.shapesAt(this.model.dims.position(), hidden);
    this._canvas.canvas.dataset.rois = String(shapes.length);
    return shapes;
  }
  private _statsChanged = new Signal<this, ViewerStats>(this);
  private _stateChanged = new Signal<this, void>(this);
}
