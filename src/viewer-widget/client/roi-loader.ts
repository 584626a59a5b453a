/**
 * Keeps the ROI overlays in step with the server: fetches `api/rois` when a state or a
 * `rois` event names a revision the browser does not hold yet (bounded by a timeout; a
 * failure is reported and retried at the next notice).
 */
import { API_PATHS, type ViewerEvent } from '../../protocol/viewer-api.js';
import { RoiOverlaysSchema } from '../../protocol/rois.js';
import type { RoiOverlayModel } from '../model/roi-overlays.js';
import type { ServerConnection, StateNotice } from './server-connection.js';

const ROIS_TIMEOUT_MS = 15_000;

export class RoiLoader {
  constructor(
    private readonly _connection: ServerConnection,
    private readonly _model: RoiOverlayModel,
    private readonly _loaded: () => void,
    private readonly _failed: (message: string) => void
  ) {
    _connection.stateReceived.connect(this._onState, this);
    _connection.eventReceived.connect(this._onEvent, this);
  }

  dispose(): void {
    this._connection.stateReceived.disconnect(this._onState, this);
    this._connection.eventReceived.disconnect(this._onEvent, this);
  }

  private _onState(_: ServerConnection, notice: StateNotice): void {
    this._want(notice.state.rois_revision ?? 0, notice.restarted);
  }

  private _onEvent(_: ServerConnection, event: ViewerEvent): void {
    if (event.type === 'rois') this._want(event.revision);
    if (event.type === 'state') this._want(event.state.rois_revision ?? 0);
  }

  /** Fetch unless `revision` is held already (a restarted server counts from 0 again). */
  private _want(revision: number, restarted = false): void {
    if (revision === this._model.revision && !restarted) return;
    if (this._loading) {
      this._again = true;
      return;
    }
    this._loading = true;
    void this._load().finally(() => {
      this._loading = false;
      if (this._again) {
        this._again = false;
        this._want(-1, true);
      }
    });
  }

  private async _load(): Promise<void> {
    try {
      const res = await this._connection.fetch(`${this._connection.baseUrl}${API_PATHS.rois}`, {
        signal: AbortSignal.timeout(ROIS_TIMEOUT_MS)
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      this._model.set(RoiOverlaysSchema.parse(await res.json()));
      this._loaded();
    } catch (err) {
      this._failed(`GET ${API_PATHS.rois}: ${(err as Error).message}`);
    }
  }

  private _loading = false;
  private _again = false;
}
