/**
 * HelpOverlay: the short list of keys and mouse gestures (`?` shows and hides it), over the
 * canvas. Reads the table from model/keys.ts, so the help and the handling cannot disagree.
 */
import { KEY_HELP } from '../model/keys.js';
import { el, testId } from './dom.js';

export class HelpOverlay {
  readonly node: HTMLElement;

  constructor() {
    this.node = el('div', 'help', {
      'data-testid': testId('help'),
      role: 'dialog',
      'aria-label': 'Pipeline viewer keys'
    });
    this.node.hidden = true;
    const table = el('table', 'help-table');
    for (const [keys, what] of KEY_HELP) {
      const row = el('tr', 'help-row');
      row.append(el('th', 'help-key', {}, keys), el('td', 'help-what', {}, what));
      table.append(row);
    }
    this.node.append(el('div', 'help-title', {}, 'Keys and mouse'), table);
    this.node.addEventListener('click', () => (this.shown = false));
  }

  get shown(): boolean {
    return !this.node.hidden;
  }

  set shown(on: boolean) {
    this.node.hidden = !on;
  }
}
