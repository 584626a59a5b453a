/**
 * Keys of the viewer, as in napari: ← / → step the slider axis last used (else the
 * innermost), ↑ / ↓ the slider axis before it, Home / End jump to its first / last value,
 * `?` shows the key help, G the plate grid, S runs side by side, F (or a double-click) fits the image. No DOM:
 * `keyAction` maps a key to what to do; the view carries it out and lists `KEY_HELP`.
 */
import type { Component } from '../../protocol/components.js';
import type { Dims } from './dims.js';

export type KeyAction =
  | { kind: 'step'; axis: Component; delta: number }
  | { kind: 'jump'; axis: Component; to: 'first' | 'last' }
  | { kind: 'help' }
  | { kind: 'grid' }
  | { kind: 'sideBySide' }
  | { kind: 'fit' }
  | { kind: 'close' };

export interface KeyPress {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

/** Key → what it does, for the help overlay (same order as the keys are handled). */
export const KEY_HELP: readonly [string, string][] = [
  ['← / →', 'previous / next value of the slider last used'],
  ['↑ / ↓', 'next / previous value of the slider above it'],
  ['Home / End', 'first / last value of the slider last used'],
  ['double-click, F', 'fit the image to the panel'],
  ['drag / wheel', 'pan / zoom about the pointer'],
  ['G', 'plate grid: a thumbnail per well; click one to open it'],
  ['S', 'side by side: each run in its own tile, same position and camera'],
  ['?', 'show or hide this help'],
  ['Esc', 'close the help or the grid']
];

/**
 * The slider axis ←/→ step: the one last moved by the user if it still has a slider, else
 * the innermost (last) one. ↑/↓ step the slider axis just before it (wrapping to the last).
 */
function arrowAxes(dims: Dims): [Component, Component] | null {
  const axes = dims.sliderAxes.map(a => a.name);
  if (axes.length === 0) return null;
  const last = dims.lastAxis;
  const i = last !== null && axes.includes(last) ? axes.indexOf(last) : axes.length - 1;
  return [axes[i], axes[(i - 1 + axes.length) % axes.length]];
}

/** What a key press does, or null when the viewer leaves it alone (modifiers, other keys). */
export function keyAction(press: KeyPress, dims: Dims): KeyAction | null {
  if (press.ctrlKey || press.metaKey || press.altKey) return null;
  switch (press.key) {
    case '?':
      return { kind: 'help' };
    case 'g':
    case 'G':
      return { kind: 'grid' };
    case 's':
    case 'S':
      return { kind: 'sideBySide' };
    case 'f':
    case 'F':
      return { kind: 'fit' };
    case 'Escape':
      return { kind: 'close' };
  }
  const axes = arrowAxes(dims);
  if (!axes) return null;
  const [inner, outer] = axes;
  switch (press.key) {
    case 'ArrowLeft':
      return { kind: 'step', axis: inner, delta: -1 };
    case 'ArrowRight':
      return { kind: 'step', axis: inner, delta: 1 };
    case 'ArrowUp':
      return { kind: 'step', axis: outer, delta: 1 };
    case 'ArrowDown':
      return { kind: 'step', axis: outer, delta: -1 };
    case 'Home':
      return { kind: 'jump', axis: inner, to: 'first' };
    case 'End':
      return { kind: 'jump', axis: inner, to: 'last' };
  }
  return null;
}
