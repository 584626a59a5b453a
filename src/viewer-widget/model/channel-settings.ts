/**
 * ChannelSettings: how each channel is drawn — visible, colormap, contrast limits, gamma —
 * keyed by channel NAME (`DAPI`), so a choice made on one well holds for every well, every
 * layer showing that channel and the next run (napari forgets it with the layer). Also the
 * channel mode: `composite` (every channel at once, added up) or `single` (a channel slider).
 */
import { Signal, type ISignal } from '@lumino/signaling';
import { COLORMAPS, type Colormap } from '../../protocol/components.js';
import { autoContrast } from './histogram.js';
import { contrastPair } from './layer.js';
import type { ChannelDisplayState, ChannelMode } from '../tokens.js';
import type { PlanePixels } from './plane.js';

export type { ChannelDisplayState, ChannelMode };

export const GAMMA_RANGE: readonly [number, number] = [0.1, 10];

/** Which channel changed, or null when the mode did. */
export type ChannelChange = string | null;

export class ChannelSettings {
  get changed(): ISignal<this, ChannelChange> {
    return this._changed;
  }

  get mode(): ChannelMode {
    return this._mode;
  }

  set mode(mode: ChannelMode) {
    if (mode !== 'composite' && mode !== 'single') {
      throw new Error(`Channel mode must be "composite" or "single", got "${String(mode)}"`);
    }
    if (mode === this._mode) return;
    this._mode = mode;
    this._changed.emit(null);
  }

  has(name: string): boolean {
    return this._states.has(name);
  }

  names(): string[] {
    return [...this._states.keys()];
  }

  /** The settings of `name`, created with `colormap` the first time a channel is seen. */
  ensure(name: string, colormap: Colormap): Readonly<ChannelDisplayState> {
    let state = this._states.get(name);
    if (!state) {
      state = { visible: true, colormap, contrastLimits: null, gamma: 1 };
      this._states.set(name, state);
    }
    return state;
  }

  get(name: string): Readonly<ChannelDisplayState> | undefined {
    return this._states.get(name);
  }

  setVisible(name: string, on: boolean): void {
    this._update(name, s => (s.visible === on ? false : ((s.visible = on), true)));
  }

  setColormap(name: string, colormap: Colormap): void {
    if (!(COLORMAPS as readonly string[]).includes(colormap)) {
      throw new Error(
        `Channel ${name}: unknown colormap "${colormap}"; use one of ${COLORMAPS.join(', ')}`
      );
    }
    this._update(name, s => (s.colormap === colormap ? false : ((s.colormap = colormap), true)));
  }

  setContrastLimits(name: string, lo: number, hi: number): void {
    const next = contrastPair(`Channel ${name}`, lo, hi);
    this._update(name, s => {
      const c = s.contrastLimits;
      if (c && c[0] === next[0] && c[1] === next[1]) return false;
      s.contrastLimits = next;
      return true;
    });
  }

  setGamma(name: string, gamma: number): void {
    const [min, max] = GAMMA_RANGE;
    if (!Number.isFinite(gamma) || gamma < min || gamma > max) {
      throw new Error(`Channel ${name}: gamma must be between ${min} and ${max}, got ${gamma}`);
    }
    this._update(name, s => (s.gamma === gamma ? false : ((s.gamma = gamma), true)));
  }

  /** "Auto": limits from the 0.1–99.9 percentiles of the plane shown. */
  autoContrast(name: string, pixels: PlanePixels): void {
    const [lo, hi] = autoContrast(pixels);
    this.setContrastLimits(name, lo, hi);
  }

  /** A plane of the channel is shown for the first time: auto contrast unless chosen. */
  initContrastFrom(name: string, pixels: PlanePixels): void {
    if (this._states.get(name)?.contrastLimits === null) this.autoContrast(name, pixels);
  }

  /** Every channel seen, for viewerState(). */
  displayStates(): Record<string, ChannelDisplayState> {
    const out: Record<string, ChannelDisplayState> = {};
    for (const [name, s] of this._states) out[name] = { ...s, contrastLimits: s.contrastLimits };
    return out;
  }

  /** Saved settings back; malformed fields are left at their defaults. */
  restore(states: Record<string, Partial<ChannelDisplayState>>, mode?: ChannelMode): void {
    for (const [name, saved] of Object.entries(states)) {
      if (!saved || typeof saved !== 'object') continue;
      const s = this._states.get(name) ?? {
        visible: true,
        colormap: 'gray' as Colormap,
        contrastLimits: null,
        gamma: 1
      };
      if (typeof saved.visible === 'boolean') s.visible = saved.visible;
      if ((COLORMAPS as readonly string[]).includes(saved.colormap as string))
        s.colormap = saved.colormap as Colormap;
      const c = saved.contrastLimits;
      if (Array.isArray(c) && Number.isFinite(c[0]) && Number.isFinite(c[1]) && c[1] > c[0])
        s.contrastLimits = [c[0], c[1]];
      const g = saved.gamma;
      if (typeof g === 'number' && g >= GAMMA_RANGE[0] && g <= GAMMA_RANGE[1]) s.gamma = g;
      this._states.set(name, s);
      this._changed.emit(name);
    }
    if (mode === 'composite' || mode === 'single') this.mode = mode;
  }

  private _update(name: string, change: (s: ChannelDisplayState) => boolean): void {
    const s = this._states.get(name);
    if (!s) throw new Error(`Channel ${name}: no such channel (none of its planes was seen yet)`);
    if (change(s)) this._changed.emit(name);
  }

  private _mode: ChannelMode = 'composite';
  private _states = new Map<string, ChannelDisplayState>();
  private _changed = new Signal<this, ChannelChange>(this);
}
