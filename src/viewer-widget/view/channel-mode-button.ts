/**
 * The channel mode button at the canvas' bottom left corner: one click switches between the
 * composite (all channels added up) and a single channel with a slider, as ndv's
 * composite/mono switch. Shown only while some layer has several channels.
 */
import type { ChannelSettings } from '../model/channel-settings.js';
import { el, testId } from './dom.js';

export class ChannelModeButton {
  readonly node: HTMLButtonElement;

  constructor(private readonly _settings: ChannelSettings) {
    this.node = el('button', 'channel-mode', { 'data-testid': testId('channel-mode') });
    this.node.addEventListener('click', () => {
      _settings.mode = _settings.mode === 'composite' ? 'single' : 'composite';
    });
    _settings.changed.connect(this._onChange, this);
    this.update();
  }

  /** `available`: some layer has several channels (else the button hides). */
  update(available = this._available): void {
    this._available = available;
    const composite = this._settings.mode === 'composite';
    this.node.hidden = !available;
    this.node.dataset.mode = this._settings.mode;
    this.node.textContent = composite ? 'Composite' : 'Single channel';
    this.node.title = composite
      ? 'All channels added up; click to show one channel at a time with a slider'
      : 'One channel at a time; click to add all channels up (composite)';
    this.node.setAttribute('aria-pressed', String(composite));
  }

  dispose(): void {
    this._settings.changed.disconnect(this._onChange, this);
  }

  private _onChange(): void {
    this.update();
  }

  private _available = false;
}
