/**
 * LayerListPanel: a row per layer with visibility, opacity, colormap, contrast limits and
 * an "auto" button — for a channel layer, a ChannelRow per channel instead of colormap and
 * contrast (those are the channel's) — under a header whose button collapses the list to a thin strip (the
 * canvas then fills the panel). Writes only to the Layer models; `autoContrast` asks the
 * host for the plane on screen. Whether it is collapsed is the host's call (`collapsed`);
 * the header button asks through `toggled`.
 */
import { Signal, type ISignal } from '@lumino/signaling';
import { COLORMAPS, type Colormap } from '../../protocol/components.js';
import type { ChannelSettings } from '../model/channel-settings.js';
import { LABELS_MODES, type LabelsMode } from '../model/labels-colors.js';
import type { Layer } from '../model/layer.js';
import { channelContrast, layerChannels } from '../model/layer-channels.js';
import type { LayerList, LayerListChange } from '../model/layer-list.js';
import type { PlanePixels } from '../model/plane.js';
import { ChannelRow } from './channel-row.js';
import { el, testId } from './dom.js';

interface Row {
  row: HTMLElement;
  visible: HTMLInputElement;
  opacity: HTMLInputElement;
  colormap: HTMLSelectElement;
  min: HTMLInputElement;
  max: HTMLInputElement;
  info: HTMLElement;
  /** Colormap, contrast fields and auto: hidden for a channel layer. */
  layerOnly: HTMLElement[];
  channelBox: HTMLElement;
  channels: ChannelRow[];
}

export class LayerListPanel {
  readonly node: HTMLElement;

  constructor(
    private readonly _layers: LayerList,
    private readonly _channels: ChannelSettings,
    /** The plane on screen of a layer, or of one of its channels. */
    private readonly _pixelsOf: (key: string, channel?: string) => PlanePixels | undefined
  ) {
    this.node = el('div', 'layers', { 'data-testid': testId('layers') });
    this._toggle = el('button', 'layers-toggle', { 'data-testid': testId('layers', 'toggle') });
    this._toggle.addEventListener('click', () => this._toggled.emit(!this._collapsed));
    this._title = el('span', 'layers-title', {}, 'Layers');
    const head = el('div', 'layers-head');
    head.append(this._toggle, this._title);
    this._body = el('div', 'layers-body');
    this._empty = el('div', 'empty', {}, 'No images yet. Run a pipeline with streaming enabled.');
    this._body.append(this._empty);
    this.node.append(head, this._body);
    _layers.changed.connect(this._onChange, this);
    _channels.changed.connect(this._onChannel, this);
    for (const layer of _layers) this._add(layer);
    this._empty.hidden = _layers.length > 0;
    this.collapsed = false;
  }

  /** The user asked to keep the run that made a layer (the host asks the server). */
  get keepRequested(): ISignal<this, string> {
    return this._keepRequested;
  }

  private readonly _keepRequested = new Signal<this, string>(this);

  /** Collapsed: only the header's button shows, in a strip at the panel's edge. */
  get collapsed(): boolean {
    return this._collapsed;
  }

  set collapsed(on: boolean) {
    this._collapsed = on;
    this.node.dataset.collapsed = String(on);
    this._body.hidden = on;
    this._title.hidden = on;
    this._toggle.setAttribute('aria-expanded', String(!on));
    this._toggle.title = on ? 'Show the layer list' : 'Hide the layer list';
    this._toggle.textContent = on ? '‹' : '›';
  }

  /** The header button was pressed: the wanted `collapsed` value. */
  get toggled(): ISignal<this, boolean> {
    return this._toggled;
  }

  /** The planes on screen changed: histograms follow (only those whose plane changed). */
  refreshHistograms(): void {
    if (this._collapsed) return;
    for (const r of this._rows.values()) for (const c of r.channels) c.refreshHistogram();
  }

  dispose(): void {
    this._layers.changed.disconnect(this._onChange, this);
    this._channels.changed.disconnect(this._onChannel, this);
    Signal.clearData(this);
  }

  private _onChange(_: LayerList, change: LayerListChange): void {
    if (change.kind === 'added') this._add(change.layer);
    else if (change.kind === 'removed') {
      this._rows.get(change.layer.key)?.row.remove();
      this._rows.delete(change.layer.key);
    } else this._sync(change.layer);
    this._empty.hidden = this._layers.length > 0;
  }

  private _onChannel(_: ChannelSettings, name: string | null): void {
    for (const r of this._rows.values())
      for (const c of r.channels) if (name === null || c.name === name) c.sync();
  }

  private _add(layer: Layer): void {
    const key = layer.key;
    const row = el('div', 'layer', { 'data-testid': testId('layer', key), 'data-layer-key': key });
    const visible = el('input', 'visible', { type: 'checkbox', title: 'Visible' });
    const name = el('span', 'layer-name', { title: key }, key);
    const opacity = el('input', 'opacity', {
      type: 'range',
      min: '0',
      max: '1',
      step: '0.05',
      title: 'Opacity'
    });
    const colormap = el('select', 'colormap', { title: 'Colormap' });
    for (const c of COLORMAPS) colormap.append(new Option(c, c));
    const min = el('input', 'contrast-min', {
      type: 'number',
      title: 'Contrast minimum',
      step: 'any'
    });
    const max = el('input', 'contrast-max', {
      type: 'number',
      title: 'Contrast maximum',
      step: 'any'
    });
    const auto = el(
      'button',
      'auto',
      { title: 'Contrast from the 0.1–99.9 % percentiles of the plane shown' },
      'auto'
    );
    const info = el('span', 'layer-info');
    visible.addEventListener('change', () => (layer.visible = visible.checked));
    opacity.addEventListener('input', () => (layer.opacity = Number(opacity.value)));
    colormap.addEventListener('change', () => (layer.colormap = colormap.value as Colormap));
    const setContrast = () => {
      const lo = Number(min.value);
      const hi = Number(max.value);
      if (
        min.value !== '' &&
        max.value !== '' &&
        Number.isFinite(lo) &&
        Number.isFinite(hi) &&
        hi > lo
      ) {
        layer.setContrastLimits(lo, hi);
        row.classList.remove('jp-mod-invalid');
      } else row.classList.add('jp-mod-invalid');
    };
    min.addEventListener('change', setContrast);
    max.addEventListener('change', setContrast);
    auto.addEventListener('click', () => {
      const pixels = this._pixelsOf(key);
      if (pixels) layer.autoContrast(pixels);
      // The fields show the model's limits again (auto may not change them: then no
      // display change arrives), so whatever invalid pair was typed is gone.
      this._sync(layer, true);
    });
    const controls = el('div', 'layer-controls');
    // a labels layer: ids in their own colors, so fill/outline instead of colormap and contrast
    const labelsMode = layer.isLabels ? labelsModeSelect(layer) : null;
    if (labelsMode) controls.append(opacity, labelsMode);
    else controls.append(opacity, colormap, min, max, auto);
    // "Keep this run" (compare runs): its layers stay, renamed, beside the next run's.
    const keep = el(
      'button',
      'keep-run',
      {
        title: "Keep this run: its layers stay, named '(run N)', beside the next run's to compare",
        'data-testid': testId('keep', key)
      },
      'keep run'
    );
    keep.hidden = / \(run \d+\)$/.test(key); // a kept run's layer (the server says 409 too)
    keep.addEventListener('click', () => this._keepRequested.emit(key));
    const head = el('div', 'layer-head');
    head.append(visible, name, info, keep);
    const channelBox = el('div', 'channels');
    row.append(head, controls, ...(labelsMode ? [] : [channelBox]));
    this._body.append(row);
    const layerOnly = [colormap, min, max, auto];
    this._rows.set(key, {
      row,
      visible,
      opacity,
      colormap,
      min,
      max,
      info,
      layerOnly,
      channelBox,
      channels: []
    });
    this._sync(layer);
  }

  /**
   * Show the model's values, leaving an input the user is typing in alone (unless `all`).
   * Contrast fields that show the model's limits are valid: the red mark goes.
   */
  private _sync(layer: Layer, all = false): void {
    const r = this._rows.get(layer.key);
    if (!r) return;
    const focused = all ? null : r.row.ownerDocument.activeElement;
    r.visible.checked = layer.visible;
    if (focused !== r.opacity) r.opacity.value = String(layer.opacity);
    r.colormap.value = layer.colormap;
    const mode = r.row.querySelector<HTMLSelectElement>('.jp-PipelineViewer-labels-mode');
    if (mode) mode.value = layer.labelsMode;
    const [lo, hi] = layer.effectiveContrastLimits;
    if (focused !== r.min) r.min.value = String(round(lo));
    if (focused !== r.max) r.max.value = String(round(hi));
    if (focused !== r.min && focused !== r.max) r.row.classList.remove('jp-mod-invalid');
    this._syncChannels(layer, r);
    const [h, w] = layer.info.shape;
    // Where the planes came from, in the user's words (absent: streamed live).
    const origin = { restored: ' · restored', disk: ' · from disk', live: '' }[
      layer.info.origin ?? 'live'
    ];
    r.info.textContent = `${w}×${h} ${layer.info.dtype} · ${layer.info.image_count}${origin}`;
    r.row.dataset.origin = layer.info.origin ?? 'live';
    // An attribute, not a class: JupyterLab styles `.jp-mod-hidden` as display: none
    // everywhere, which took the whole row (and the way back) away.
    r.row.dataset.visible = String(layer.visible);
  }

  /** A ChannelRow per channel of a channel layer, rebuilt when its channels change. */
  private _syncChannels(layer: Layer, r: Row): void {
    const channels = layerChannels(layer.info, this._channels);
    const names = channels.map(c => c.name);
    for (const node of r.layerOnly) node.hidden = names.length > 0;
    if (names.join('\u0000') === r.channels.map(c => c.name).join('\u0000')) {
      for (const c of r.channels) c.sync(); // the data range (limits until chosen) may have grown
      return;
    }
    r.channels = names.map(
      name =>
        new ChannelRow(
          name,
          this._channels,
          () => this._pixelsOf(layer.key, name),
          () => channelContrast(this._channels.get(name)!, layer.info)
        )
    );
    r.channelBox.replaceChildren(...r.channels.map(c => c.node));
  }

  private _rows = new Map<string, Row>();
  private _empty: HTMLElement;
  private _body: HTMLElement;
  private _title: HTMLElement;
  private _toggle: HTMLButtonElement;
  private _collapsed = false;
  private _toggled = new Signal<this, boolean>(this);
}

/** Fill or outline, for a labels layer's row. */
function labelsModeSelect(layer: Layer): HTMLSelectElement {
  const select = el('select', 'labels-mode', {
    title: 'Labels: filled objects or their outlines',
    'data-testid': testId('labels-mode', layer.key)
  });
  for (const mode of LABELS_MODES) select.append(new Option(mode, mode));
  select.addEventListener('change', () => (layer.labelsMode = select.value as LabelsMode));
  return select;
}

function round(v: number): number {
  return Math.abs(v) >= 100 ? Math.round(v) : Number(v.toPrecision(4));
}
