/**
 * ChannelRow: one channel of a channel layer in the layer list — visible, colormap, a
 * histogram with a contrast range slider, exact min/max fields, "auto" and gamma. Writes only
 * to ChannelSettings (keyed by the channel's name, so every layer showing that channel has
 * the same settings); `pixels()` asks the host for the channel's plane on screen.
 */
import { COLORMAPS, type Colormap } from '../../protocol/components.js';
import type { ChannelSettings } from '../model/channel-settings.js';
import { GAMMA_RANGE } from '../model/channel-settings.js';
import { colormapLut } from '../model/colormaps.js';
import { sliderHistogram } from '../model/histogram.js';
import type { PlanePixels } from '../model/plane.js';
import { el, testId } from './dom.js';
import { HistogramSlider } from './histogram-slider.js';

export class ChannelRow {
  readonly node: HTMLElement;

  constructor(
    readonly name: string,
    private readonly _settings: ChannelSettings,
    /** The channel's plane on screen (undefined when it has none), and the limits to draw. */
    private readonly _pixels: () => PlanePixels | undefined,
    private readonly _limits: () => [number, number]
  ) {
    this.node = el('div', 'channel', {
      'data-testid': testId('channel', name),
      'data-channel': name
    });
    this._visible = el('input', 'channel-visible', { type: 'checkbox', title: 'Visible' });
    this._swatch = el('span', 'channel-swatch');
    const label = el('span', 'channel-name', { title: name }, name);
    this._colormap = el('select', 'channel-colormap', { title: 'Colormap' });
    for (const c of COLORMAPS) this._colormap.append(new Option(c, c));
    this._slider = new HistogramSlider((lo, hi) => this._set(lo, hi));
    this._min = el('input', 'channel-min', { type: 'number', step: 'any', title: 'Minimum' });
    this._max = el('input', 'channel-max', { type: 'number', step: 'any', title: 'Maximum' });
    const auto = el(
      'button',
      'channel-auto',
      { title: 'Contrast from the 0.1–99.9 % percentiles of the plane shown' },
      'auto'
    );
    const [gMin, gMax] = GAMMA_RANGE;
    this._gamma = el('input', 'channel-gamma', {
      type: 'number',
      min: String(gMin),
      max: String(gMax),
      step: '0.1',
      title: 'Gamma (below 1 brightens dim pixels)'
    });
    this._visible.addEventListener('change', () =>
      _settings.setVisible(name, this._visible.checked)
    );
    this._colormap.addEventListener('change', () =>
      _settings.setColormap(name, this._colormap.value as Colormap)
    );
    const typed = () => {
      const lo = Number(this._min.value);
      const hi = Number(this._max.value);
      const ok = this._min.value !== '' && this._max.value !== '' && hi > lo;
      if (ok && Number.isFinite(lo) && Number.isFinite(hi)) this._set(lo, hi);
      else this.node.classList.add('jp-mod-invalid');
    };
    this._min.addEventListener('change', typed);
    this._max.addEventListener('change', typed);
    auto.addEventListener('click', () => {
      const pixels = this._pixels();
      if (pixels) _settings.autoContrast(name, pixels);
      this.sync(true); // the fields show the limits again, whatever invalid pair was typed
    });
    this._gamma.addEventListener('change', () => {
      const g = Number(this._gamma.value);
      if (this._gamma.value !== '' && g >= gMin && g <= gMax) {
        _settings.setGamma(name, g);
        this._gamma.classList.remove('jp-mod-invalid');
      } else this._gamma.classList.add('jp-mod-invalid');
    });
    const head = el('div', 'channel-head');
    head.append(this._visible, this._swatch, label, this._colormap);
    const fields = el('div', 'channel-fields');
    const gammaLabel = el('label', 'channel-gamma-label', {}, 'γ');
    gammaLabel.append(this._gamma);
    fields.append(this._min, this._max, auto, gammaLabel);
    this.node.append(head, this._slider.node, fields);
    this.sync();
  }

  /** Show the settings; an input being typed in is left alone unless `all`. */
  sync(all = false): void {
    const s = this._settings.get(this.name);
    if (!s) return;
    const focused = all ? null : this.node.ownerDocument.activeElement;
    this._visible.checked = s.visible;
    this.node.dataset.visible = String(s.visible);
    this._colormap.value = s.colormap;
    const lut = colormapLut(s.colormap);
    this._color = `rgb(${lut[1020]}, ${lut[1021]}, ${lut[1022]})`;
    this._swatch.style.background = this._color;
    const [lo, hi] = this._limits();
    if (focused !== this._min) this._min.value = String(round(lo));
    if (focused !== this._max) this._max.value = String(round(hi));
    if (focused !== this._min && focused !== this._max)
      this.node.classList.remove('jp-mod-invalid');
    if (focused !== this._gamma) {
      this._gamma.value = String(s.gamma);
      this._gamma.classList.remove('jp-mod-invalid');
    }
    this.refreshHistogram();
  }

  /** Redraw the histogram when the plane on screen changed (or `force`). */
  refreshHistogram(force = false): void {
    const pixels = this._pixels();
    const [lo, hi] = this._limits();
    const [dMin, dMax] = this._slider.domain;
    const outside = lo < dMin || hi > dMax;
    if (force || outside || pixels !== this._histPixels || this._color !== this._histColor) {
      this._histPixels = pixels;
      this._histColor = this._color;
      this._slider.setHistogram(pixels ? sliderHistogram(pixels, [lo, hi]) : null, this._color);
    }
    this._slider.setLimits(lo, hi);
  }

  private _set(lo: number, hi: number): void {
    this._settings.setContrastLimits(this.name, lo, hi);
    this.node.classList.remove('jp-mod-invalid');
  }

  private _visible: HTMLInputElement;
  private _swatch: HTMLElement;
  private _colormap: HTMLSelectElement;
  private _slider: HistogramSlider;
  private _min: HTMLInputElement;
  private _max: HTMLInputElement;
  private _gamma: HTMLInputElement;
  private _color = 'gray';
  private _histPixels: PlanePixels | undefined;
  private _histColor = '';
}

function round(v: number): number {
  return Math.abs(v) >= 100 ? Math.round(v) : Number(v.toPrecision(4));
}
