/**
 * LayerListPanel: a row per layer with visibility, opacity, colormap, contrast limits and
 * an "auto" button. Writes only to the Layer models; `autoContrast` asks the host for the
 * plane on screen.
 */
import { COLORMAPS, type Colormap } from '../../protocol/components.js';
import type { Layer } from '../model/layer.js';
import type { LayerList, LayerListChange } from '../model/layer-list.js';
import type { PlanePixels } from '../model/plane.js';
import { el, testId } from './dom.js';

interface Row {
  row: HTMLElement;
  visible: HTMLInputElement;
  opacity: HTMLInputElement;
  colormap: HTMLSelectElement;
  min: HTMLInputElement;
  max: HTMLInputElement;
  info: HTMLElement;
}

export class LayerListPanel {
  readonly node: HTMLElement;

  constructor(
    private readonly _layers: LayerList,
    private readonly _pixelsOf: (key: string) => PlanePixels | undefined
  ) {
    this.node = el('div', 'layers', { 'data-testid': testId('layers') });
    this._empty = el('div', 'empty', {}, 'No images yet. Run a pipeline with streaming enabled.');
    this.node.append(this._empty);
    _layers.changed.connect(this._onChange, this);
    for (const layer of _layers) this._add(layer);
    this._empty.hidden = _layers.length > 0;
  }

  dispose(): void {
    this._layers.changed.disconnect(this._onChange, this);
  }

  private _onChange(_: LayerList, change: LayerListChange): void {
    if (change.kind === 'added') this._add(change.layer);
    else if (change.kind === 'removed') {
      this._rows.get(change.layer.key)?.row.remove();
      this._rows.delete(change.layer.key);
    } else this._sync(change.layer);
    this._empty.hidden = this._layers.length > 0;
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
    });
    const controls = el('div', 'layer-controls');
    controls.append(opacity, colormap, min, max, auto);
    const head = el('div', 'layer-head');
    head.append(visible, name, info);
    row.append(head, controls);
    this.node.append(row);
    this._rows.set(key, { row, visible, opacity, colormap, min, max, info });
    this._sync(layer);
  }

  /** Show the model's values, leaving an input the user is typing in alone. */
  private _sync(layer: Layer): void {
    const r = this._rows.get(layer.key);
    if (!r) return;
    const focused = r.row.ownerDocument.activeElement;
    r.visible.checked = layer.visible;
    if (focused !== r.opacity) r.opacity.value = String(layer.opacity);
    r.colormap.value = layer.colormap;
    const [lo, hi] = layer.effectiveContrastLimits;
    if (focused !== r.min) r.min.value = String(round(lo));
    if (focused !== r.max) r.max.value = String(round(hi));
    const [h, w] = layer.info.shape;
    r.info.textContent = `${w}×${h} ${layer.info.dtype} · ${layer.info.image_count}`;
    r.row.classList.toggle('jp-mod-hidden', !layer.visible);
  }

  private _rows = new Map<string, Row>();
  private _empty: HTMLElement;
}

function round(v: number): number {
  return Math.abs(v) >= 100 ? Math.round(v) : Number(v.toPrecision(4));
}
