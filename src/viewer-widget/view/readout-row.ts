/**
 * ReadoutRow: the pixel readout as a row of its own under the canvas (napari's status bar),
 * not a label over the image, so it has the panel's width: `[y, x] [12, 40] · layer: value …`.
 * One line of fixed height: a row that grew and shrank with the text would resize the canvas
 * under the pointer. What does not fit ends in an ellipsis; the tooltip has it all.
 */
import { readoutParts, READOUT_SEPARATOR, type PixelReadout } from '../model/readout.js';
import { el, testId } from './dom.js';

/** Shown while the pointer is not over the image. */
const READOUT_HINT = 'Point at the image for pixel values';

export class ReadoutRow {
  readonly node: HTMLElement;

  constructor() {
    this.node = el('div', 'readout', { 'data-testid': testId('readout') });
    this.show(null);
  }

  show(readout: PixelReadout | null): void {
    this.node.dataset.empty = String(readout === null);
    this.node.textContent = readout ? readoutParts(readout).join(READOUT_SEPARATOR) : READOUT_HINT;
    this.node.title = readout ? this.node.textContent : '';
  }
}
