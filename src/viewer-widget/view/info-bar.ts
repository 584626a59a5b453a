/**
 * InfoBar: the row under the canvas with the pixel readout (left) and the connection status
 * (right). A row of its own, not a label over the image, so the readout is never cut off:
 * it wraps between its parts (`[y, x] [12, 40]`, `layer: value`, …) when the panel is narrow.
 */
import { readoutParts, READOUT_SEPARATOR, type PixelReadout } from '../model/readout.js';
import { el, testId } from './dom.js';

/** Shown while the pointer is not over the image. */
const READOUT_HINT = 'Point at the image for pixel values';

export class InfoBar {
  readonly node: HTMLElement;
  readonly readout: HTMLElement;
  readonly status: HTMLElement;

  constructor() {
    this.node = el('div', 'infobar');
    this.readout = el('div', 'readout', { 'data-testid': testId('readout') });
    this.status = el(
      'div',
      'status',
      { 'data-testid': testId('status'), 'data-status': 'disconnected' },
      'disconnected'
    );
    this.node.append(this.readout, this.status);
    this.showReadout(null);
  }

  /** Each part in a span that does not wrap, so a value never splits from its name. */
  showReadout(readout: PixelReadout | null): void {
    this.readout.dataset.empty = String(readout === null);
    if (!readout) {
      this.readout.replaceChildren(el('span', 'readout-hint', {}, READOUT_HINT));
      return;
    }
    const nodes: Node[] = [];
    readoutParts(readout).forEach((part, i) => {
      if (i > 0) nodes.push(document.createTextNode(READOUT_SEPARATOR));
      nodes.push(el('span', 'readout-part', {}, part));
    });
    this.readout.replaceChildren(...nodes);
  }
}
