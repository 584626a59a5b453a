/**
 * Public types of the viewer widget: what a host (the JupyterLab extension) passes in,
 * listens to and saves. No JupyterLab imports here.
 */
import type { Colormap, Component } from '../protocol/components.js';

/** Minimal WebSocket constructor (the browser's, or the `ws` package's in Node). */
export type WebSocketCtor = new (url: string, protocols?: string | string[]) => WebSocket;

/** Where a viewer server is reached and the browser token it asks for. */
export interface ViewerEndpoint {
  /** Base URL, ending in '/', e.g. `{baseUrl}proxy/8555/`. */
  baseUrl: string;
  /** The server's browser token (`pipeline-viewer server connect` prints it). */
  token: string;
}

export interface ConnectionOptions {
  /** Base URL of the viewer server, ending in '/', e.g. `{baseUrl}proxy/8555/`. */
  baseUrl: string;
  /** The server's browser token, sent on every request; see `endpoint` for one that changes. */
  token?: string;
  /**
   * Asked before every connection attempt (a restarted server has a new token, maybe another
   * port); null when no server runs yet (retried with backoff). Overrides baseUrl and token.
   * Keep the token in memory only: never in saved state.
   */
  endpoint?: () => Promise<ViewerEndpoint | null>;
  /** Injected fetch (tests, authentication); defaults to globalThis.fetch. */
  fetch?: typeof fetch;
  /** Injected WebSocket constructor; defaults to globalThis.WebSocket. */
  WebSocket?: WebSocketCtor;
  /** Reconnect backoff bounds in ms (default 250 → 5000). */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

export interface PipelineViewerOptions extends ConnectionOptions {
  /** Move to the newest plane as images arrive, until the user moves a slider. Default true. */
  followNewest?: boolean;
  /** Byte budget of the browser-side plane cache (CPU copies). Default 384 MiB. */
  cacheBytes?: number;
  /** Byte budget of planes kept as GPU textures. Default 192 MiB. */
  textureBytes?: number;
  /** Start connecting at construction. Default true; otherwise call `connect()`. */
  autoConnect?: boolean;
}

/**
 * `connecting`: not connected yet since `connect()`; `connected`; `disconnected`: the
 * connection was lost (reconnecting in the background) or `disconnect()` was called.
 */
export type ConnectionStatus = 'connecting' | 'connected' | 'disconnected';

/** Figures for a status bar. */
export interface ViewerStats {
  status: ConnectionStatus;
  /** Frames painted per second over the last second. */
  fps: number;
  /** Plane requests that failed (aborted ones are not drops: nothing was lost). */
  drops: number;
  /** Images the server dropped (from its counters), -1 when unknown. */
  serverDropped: number;
  /** Server's incoming images per second, -1 when unknown. */
  imagesPerSecond: number;
  /** Producers streaming from other machines, by host ({} when none or unknown). */
  producersByHost: Record<string, number>;
}

/** Display settings of one layer that the user chose; restored by layer key. */
export interface LayerDisplayState {
  visible: boolean;
  opacity: number;
  colormap: Colormap;
  /** null: not chosen yet (auto contrast on the first plane). */
  contrastLimits: [number, number] | null;
  /** A labels layer's ids filled or drawn as outlines; absent: fill. */
  labelsMode?: 'fill' | 'outline';
}

/** Display settings of one channel, by channel name (`DAPI`), across layers and runs. */
export interface ChannelDisplayState {
  visible: boolean;
  colormap: Colormap;
  /** null: not chosen yet (auto contrast on the first plane shown). */
  contrastLimits: [number, number] | null;
  /** Applied after contrast: t → t^gamma (below 1 lifts dim pixels). */
  gamma: number;
}

/** `composite`: a channel layer shows all its channels added up; `single`: a channel slider. */
export type ChannelMode = 'composite' | 'single';

/** What the host saves (IStateDB / restorer) and gives back to `restore()`. */
export interface PipelineViewerState {
  /** Current axis values, by axis name (values, not indices, so they survive new data). */
  position: Partial<Record<Component, string | number>>;
  followNewest: boolean;
  layers: Record<string, LayerDisplayState>;
  /** Per channel name; unset in states saved before channels had settings. */
  channels?: Record<string, ChannelDisplayState>;
  channelMode?: ChannelMode;
  /** Pan and zoom of the canvas. */
  camera?: { zoom: number; centerX: number; centerY: number };
  /** The user closed (true) or opened (false) the layer list; unset: by panel width. */
  layersCollapsed?: boolean;
  /** Runs side by side, a tile each (compare runs); unset: off. */
  sideBySide?: boolean;
}
