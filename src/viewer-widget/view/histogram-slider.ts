/**
 * HistogramSlider: a channel's histogram (log counts, as napari's and ndv's) with a range
 * slider over it: two native range inputs, one per contrast limit, so keyboard, screen
 * readers and tests drive them like any slider. The shaded band marks the contrast window.
 */
import type { SliderHistogram } from '../model/histogram.js';
import { el } from './dom.js';

const WIDTH = 200;
const HEIGHT = 32;

export class HistogramSlider {
  readonly node: HTMLElement;
  readonly low: HTMLInputElement;
  readonly high: HTMLInputElement;

  /** `changed(lo, hi)` as a handle moves; lo < hi always. */
  constructor(private readonly _changed: (lo: number, hi: number) => void) {
    this.node = el('div', 'histogram');
    this._canvas = el('canvas', 'histogram-bars', { width: String(WIDTH), height: String(HEIGHT) });
    this._band = el('div', 'histogram-band');
    const attrs = { type: 'range', min: '0', max: '1', step: 'any' };
    this.low = el('input', 'contrast-range-min', { ...attrs, title: 'Contrast minimum' });
    this.high = el('input', 'contrast-range-max', { ...attrs, title: 'Contrast maximum' });
    this.node.append(this._canvas, this._band, this.low, this.high);
    const moved = (which: 'low' | 'high') => {
      let lo = Number(this.low.value);
      let hi = Number(this.high.value);
      const gap = (this._max - this._min) / 1000;
      if (hi - lo < gap) {
        if (which === 'low') lo = hi - gap;
        else hi = lo + gap;
      }
      this._changed(lo, hi);
    };
    this.low.addEventListener('input', () => moved('low'));
    this.high.addEventListener('input', () => moved('high'));
  }

  /** The histogram's domain [min, max]: the slider's ends. */
  get domain(): [number, number] {
    return [this._min, this._max];
  }

  /** Draw `hist` (null: no plane yet) in `color` and put the handles at `limits`. */
  setHistogram(hist: SliderHistogram | null, color: string): void {
    const ctx = this._canvas.getContext('2d');
    if (ctx) ctx.clearRect(0, 0, WIDTH, HEIGHT);
    this.node.dataset.empty = String(hist === null);
    if (!hist) return;
    this._min = hist.min;
    this._max = hist.max;
    for (const input of [this.low, this.high]) {
      input.min = String(hist.min);
      input.max = String(hist.max);
    }
    if (!ctx) return;
    let peak = 0;
    for (const c of hist.counts) peak = Math.max(peak, Math.log1p(c));
    const w = WIDTH / hist.counts.length;
    ctx.fillStyle = color;
    hist.counts.forEach((c, i) => {
      const h = peak > 0 ? (Math.log1p(c) / peak) * HEIGHT : 0;
      ctx.fillRect(i * w, HEIGHT - h, Math.max(1, w - 0.5), h);
    });
  }

  /** Put the handles and the band at the limits (clamped to the track). */
  setLimits(lo: number, hi: number): void {
    this.low.value = String(lo);
    this.high.value = String(hi);
    const span = this._max - this._min || 1;
    const a = Math.min(1, Math.max(0, (lo - this._min) / span));
    const b = Math.min(1, Math.max(0, (hi - this._min) / span));
    this._band.style.left = `${a * 100}%`;
    this._band.style.width = `${Math.max(0, b - a) * 100}%`;
  }

  private _canvas: HTMLCanvasElement;
  private _band: HTMLElement;
  private _min = 0;
  private _max = 1;
}
