/**
 * The line above a panel's canvas while it has no server to show: "No viewer server on
 * port N — Start", "Viewer server on port N is starting…", or why Jupyter could not be
 * asked. Hidden once the server answers. It replaces what the panel used to show instead:
 * nothing at all, or a raw "GET api/state: HTTP 500".
 */
import { Widget } from '@lumino/widgets';

export type ServerNoticeState =
  | { kind: 'looking' }
  | { kind: 'no-server' }
  | { kind: 'starting' }
  | { kind: 'ready' }
  | { kind: 'error'; message: string };

export class ServerNotice extends Widget {
  constructor(
    private readonly port: number,
    /** Runs the start-server command; the notice says when it failed. */
    private readonly start: () => Promise<void>
  ) {
    super();
    this.addClass('jp-PipelineViewerNotice');
    this.node.dataset.testid = 'pipeline-viewer-notice';
    this._text = document.createElement('span');
    this._text.className = 'jp-PipelineViewerNotice-text';
    this._button = document.createElement('button');
    this._button.className = 'jp-mod-styled jp-mod-accept jp-PipelineViewerNotice-start';
    this._button.dataset.testid = 'pipeline-viewer-start-button';
    this._button.textContent = 'Start';
    this._button.title = `Start a viewer server on data port ${port}`;
    this._button.onclick = () => void this._onStart();
    this.node.append(this._text, this._button);
    this.show_({ kind: 'looking' });
  }

  get state(): ServerNoticeState {
    return this._state;
  }

  /** Shows `state` (named with a trailing _ : Widget has its own show()). */
  show_(state: ServerNoticeState): void {
    if (this._starting && state.kind === 'no-server') return; // our start is under way
    this._state = state;
    this.node.dataset.state = state.kind;
    this.setHidden(state.kind === 'ready');
    this._button.hidden = state.kind !== 'no-server';
    this._text.textContent =
      state.kind === 'no-server'
        ? `No viewer server on port ${this.port}`
        : state.kind === 'looking'
          ? `Looking for the viewer server on port ${this.port}…`
          : state.kind === 'starting'
            ? `The viewer server on port ${this.port} is starting…`
            : state.kind === 'error'
              ? state.message
              : '';
  }

  private async _onStart(): Promise<void> {
    this._starting = true;
    this._button.disabled = true;
    this._state = { kind: 'starting' };
    this.node.dataset.state = 'starting';
    this._text.textContent = `Starting a viewer server on port ${this.port}…`;
    try {
      await this.start();
    } catch (err) {
      this._starting = false;
      this.show_({
        kind: 'error',
        message: `Could not start a viewer server on port ${this.port}: ${(err as Error).message}`
      });
      this._button.hidden = false;
    } finally {
      this._starting = false;
      this._button.disabled = false;
    }
  }

  private _text: HTMLElement;
  private _button: HTMLButtonElement;
  private _state: ServerNoticeState = { kind: 'looking' };
  private _starting = false;
}
