/**
 * DimsPanel: one row (label, slider, step buttons, play) per stacked axis with more than one
 * value, and the "follow newest" toggle. A single-value axis (z 1/1, timepoint 1/1) gets no
 * row: it would be a slider that cannot move; the overlay names its value. Reads and writes
 * the model's Dims only.
 */
import type { Component } from '../../protocol/components.js';
import type { Dims } from '../model/dims.js';
import { el, testId } from './dom.js';

/** Planes per second while playing an axis. */
const PLAY_FPS = 10;

interface AxisRow {
  row: HTMLElement;
  slider: HTMLInputElement;
  label: HTMLElement;
  count: HTMLElement;
  play: HTMLButtonElement;
}

export class DimsPanel {
  readonly node: HTMLElement;
  /** The line under the sliders, with "Follow newest"; the host may add to it. */
  readonly footer: HTMLElement;

  constructor(private readonly _dims: Dims) {
    this.node = el('div', 'dims', { 'data-testid': testId('dims') });
    this._rows = el('div', 'axes');
    const followLabel = el('label', 'follow-label');
    this._follow = el('input', 'follow', { type: 'checkbox', 'data-testid': testId('follow') });
    this._follow.addEventListener('change', () => this._dims.setFollowNewest(this._follow.checked));
    followLabel.append(this._follow, document.createTextNode(' Follow newest'));
    this.footer = el('div', 'dims-footer');
    this.footer.append(followLabel);
    this.node.append(this._rows, this.footer);
    _dims.changed.connect(this.update, this);
    this.update();
  }

  /** Rebuild rows when the slider axes change; otherwise only move sliders and labels. */
  update(): void {
    const axes = this._dims.sliderAxes;
    const names = axes.map(a => a.name).join(',');
    if (names !== this._names) {
      this._names = names;
      this._rows.replaceChildren();
      this._axisRows.clear();
      for (const axis of axes) this._axisRows.set(axis.name, this._makeRow(axis.name));
      for (const row of this._axisRows.values()) this._rows.append(row.row);
    }
    for (const axis of axes) {
      const r = this._axisRows.get(axis.name)!;
      const n = axis.values.length;
      const i = this._dims.index(axis.name);
      r.slider.max = String(n - 1);
      if (r.slider.value !== String(i)) r.slider.value = String(i);
      r.slider.setAttribute('aria-valuetext', this._dims.label(axis.name) ?? '');
      r.label.textContent = this._dims.label(axis.name) ?? '';
      r.count.textContent = `${i + 1}/${n}`;
    }
    this._follow.checked = this._dims.followNewest;
    if (this._playing && !this._axisRows.has(this._playing)) this.stop();
  }

  /** Step an axis at PLAY_FPS until stopped (or another axis is played). */
  play(name: Component): void {
    this.stop();
    this._playing = name;
    this._axisRows.get(name)?.play.classList.add('jp-mod-active');
    const row = this._axisRows.get(name);
    if (row) row.play.textContent = '⏸';
    this._timer = setInterval(() => this._dims.step(name, 1), 1000 / PLAY_FPS);
  }

  stop(): void {
    clearInterval(this._timer);
    this._timer = undefined;
    if (this._playing) {
      const row = this._axisRows.get(this._playing);
      if (row) {
        row.play.classList.remove('jp-mod-active');
        row.play.textContent = '▶';
      }
    }
    this._playing = null;
  }

  dispose(): void {
    this.stop();
    this._dims.changed.disconnect(this.update, this);
  }

  private _makeRow(name: Component): AxisRow {
    const row = el('div', 'axis', { 'data-testid': testId('axis', name), 'data-axis': name });
    const title = el('span', 'axis-name', {}, name);
    const prev = el(
      'button',
      'step',
      { 'data-testid': testId('prev', name), title: `Previous ${name}` },
      '‹'
    );
    const slider = el('input', 'slider', {
      type: 'range',
      min: '0',
      step: '1',
      'data-testid': testId('slider', name),
      'aria-label': name
    });
    const next = el(
      'button',
      'step',
      { 'data-testid': testId('next', name), title: `Next ${name}` },
      '›'
    );
    const play = el(
      'button',
      'play',
      { 'data-testid': testId('play', name), title: `Play ${name}` },
      '▶'
    );
    const label = el('span', 'axis-label');
    const count = el('span', 'axis-count');
    slider.addEventListener('input', () => {
      this._dims.setIndex(name, Number(slider.value));
    });
    prev.addEventListener('click', () => this._dims.step(name, -1));
    next.addEventListener('click', () => this._dims.step(name, 1));
    play.addEventListener('click', () => (this._playing === name ? this.stop() : this.play(name)));
    row.append(title, prev, slider, next, play, label, count);
    return { row, slider, label, count, play };
  }

  private _rows: HTMLElement;
  private _follow: HTMLInputElement;
  private _names = '';
  private _axisRows = new Map<Component, AxisRow>();
  private _playing: Component | null = null;
  private _timer: ReturnType<typeof setInterval> | undefined;
}
