/**
 * SideBySideButton: the "Side by side" toggle (compare runs) beside the grid toggle. Writes
 * only to the SideBySide model; disabled, with a tooltip saying why, while there is a
 * single run to show (keep a run first).
 */
import { Signal } from '@lumino/signaling';
import type { SideBySide } from '../model/side-by-side.js';
import { el, testId } from './dom.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const ON_TITLE = 'Side by side: each run in its own tile, same position and camera (S)';
const OFF_TITLE =
  'Side by side needs two runs: press "keep run" in the layer list, then run the pipeline again (S)';

export class SideBySideButton {
  readonly node: HTMLButtonElement;

  constructor(private readonly _model: SideBySide) {
    this.node = el('button', 'side-by-side', {
      'data-testid': testId('side-by-side'),
      'aria-pressed': 'false',
      'aria-label': 'Side by side'
    });
    this.node.append(icon(), document.createTextNode('Side by side'));
    this.node.addEventListener('click', () => (this._model.enabled = !this._model.enabled));
    _model.changed.connect(() => this.update(), this);
    this.update();
  }

  /** Show the model's flag; `available`: two runs or more to put side by side. */
  update(available = this._available): void {
    this._available = available;
    const on = this._model.enabled;
    this.node.disabled = !available;
    this.node.title = available ? ON_TITLE : OFF_TITLE;
    this.node.setAttribute('aria-pressed', String(on));
    this.node.classList.toggle('jp-mod-active', on && available);
  }

  dispose(): void {
    Signal.clearData(this); // the connection to the model, this being its receiver
  }

  private _available = false;
}

/** Two tiles side by side. */
function icon(): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '14');
  svg.setAttribute('height', '14');
  svg.setAttribute('aria-hidden', 'true');
  for (const x of [1, 9]) {
    const r = document.createElementNS(SVG_NS, 'rect');
    for (const [k, v] of Object.entries({ x, y: 2, width: 6, height: 12, rx: 1 }))
      r.setAttribute(k, String(v));
    r.setAttribute('fill', 'none');
    r.setAttribute('stroke', 'currentColor');
    r.setAttribute('stroke-width', '1.5');
    svg.append(r);
  }
  return svg;
}
