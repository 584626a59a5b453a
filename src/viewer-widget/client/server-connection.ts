/**
 * ServerConnection: the viewer server's state and live events. Opens the events WebSocket
 * first, then fetches the state (events that arrive meanwhile are held and replayed after
 * it, so none is lost). On close it reconnects with bounded exponential backoff and
 * fetches the state again; a server restart shows as a new pid / started_at. Every request
 * carries the server's browser token (header on HTTP, a subprotocol on the WebSocket);
 * with an `endpoint` function the address and token are asked for before each attempt, so
 * a restarted server's new token (after a stop/start, or a page reload) is picked up.
 */
import { Signal, type ISignal } from '@lumino/signaling';
import {
  API_PATHS,
  BROWSER_TOKEN_HEADER,
  eventsSubprotocols,
  KeptRunSchema,
  ViewerEventSchema,
  ViewerStateSchema,
  type KeptRunReply,
  type ViewerEvent,
  type ViewerState
} from '../../protocol/viewer-api.js';
import type {
  ConnectionOptions,
  ConnectionStatus,
  ViewerEndpoint,
  WebSocketCtor
} from '../tokens.js';

const STATE_TIMEOUT_MS = 10_000;

export interface StateNotice {
  state: ViewerState;
  /** True when the pid or start time differs from the last state: a new server process. */
  restarted: boolean;
}

export class ServerConnection {
  constructor(options: ConnectionOptions) {
    this._base = normalizeBase(options.baseUrl);
    this._token = options.token ?? null;
    this._endpoint = options.endpoint ?? null;
    this._rawFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    const ws = options.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketCtor | undefined);
    if (!ws)
      throw new Error('ServerConnection: no WebSocket implementation; pass options.WebSocket');
    this._WebSocket = ws;
    this._minDelay = options.reconnectMinMs ?? 250;
    this._maxDelay = Math.max(this._minDelay, options.reconnectMaxMs ?? 5000);
    this._delay = this._minDelay;
  }

  get baseUrl(): string {
    return this._base;
  }

  /** fetch that adds the browser token (the PlaneLoader's). */
  get fetch(): typeof fetch {
    return this._fetch;
  }

  get status(): ConnectionStatus {
    return this._status;
  }

  get statusChanged(): ISignal<this, ConnectionStatus> {
    return this._statusChanged;
  }

  get stateReceived(): ISignal<this, StateNotice> {
    return this._stateReceived;
  }

  get eventReceived(): ISignal<this, ViewerEvent> {
    return this._eventReceived;
  }

  /** Messages that failed validation (shown in the status line, never thrown at the page). */
  get errorOccurred(): ISignal<this, string> {
    return this._error;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Connect (idempotent); reconnects by itself until `disconnect()` or `dispose()`. */
  connect(): void {
    if (this._disposed || this._wanted) return;
    this._wanted = true;
    this._open();
  }

  disconnect(): void {
    this._wanted = false;
    this._attempt++; // an endpoint answer still on its way is dropped
    clearTimeout(this._timer);
    this._closeSocket();
    this._setStatus('disconnected');
  }

  /** Point at another server; reconnects if connected. */
  setBaseUrl(url: string): void {
    const base = normalizeBase(url);
    if (base === this._base) return;
    this._base = base;
    this._identity = null;
    if (this._wanted) {
      this.disconnect();
      this.connect();
    }
  }

  /**
   * "Keep this run" (POST api/keep): the server renames the layers of the run that made
   * `layer`; the new state arrives as an event. A refusal is reported on errorOccurred.
   */
  async keepRun(layer: string): Promise<KeptRunReply | null> {
    const url = `${this._base}${API_PATHS.keep}?${new URLSearchParams({ layer })}`;
    try {
      const res = await this._fetch(url, {
        method: 'POST',
        signal: AbortSignal.timeout(STATE_TIMEOUT_MS)
      });
      const body = (await res.json()) as { error?: string };
      if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
      return KeptRunSchema.parse(body);
    } catch (err) {
      this._error.emit(`keep run of ${layer}: ${(err as Error).message}`);
      return null;
    }
  }

  /** Fetch the state once (also used after a reconnect). */
  async fetchState(signal?: AbortSignal): Promise<ViewerState> {
    const timeout = AbortSignal.timeout(STATE_TIMEOUT_MS);
    const res = await this._fetch(`${this._base}${API_PATHS.state}`, {
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      cache: 'no-store'
    });
    if (!res.ok) throw new Error(`GET ${API_PATHS.state}: HTTP ${res.status} ${res.statusText}`);
    const parsed = ViewerStateSchema.safeParse(await res.json());
    if (!parsed.success)
      throw new Error(`GET ${API_PATHS.state}: unexpected reply: ${parsed.error.message}`);
    return parsed.data;
  }

  dispose(): void {
    if (this._disposed) return;
    this.disconnect();
    this._disposed = true;
    Signal.clearData(this);
  }

  private _open(): void {
    // 'connecting' until the first success; after a loss it stays 'disconnected' while retrying
    if (this._status !== 'disconnected' || this._identity === null) this._setStatus('connecting');
    if (!this._endpoint) {
      this._openSocket();
      return;
    }
    const attempt = ++this._attempt;
    this._endpoint().then(
      endpoint => {
        if (attempt !== this._attempt || !this._wanted) return;
        if (endpoint) {
          this._useEndpoint(endpoint);
          this._openSocket();
        } else this._scheduleReconnect(); // no server (yet): retry with backoff
      },
      (err: Error) => {
        if (attempt !== this._attempt || !this._wanted) return;
        this._error.emit(`cannot find the viewer server: ${err.message}`);
        this._scheduleReconnect();
      }
    );
  }

  private _useEndpoint(endpoint: ViewerEndpoint): void {
    this._base = normalizeBase(endpoint.baseUrl);
    this._token = endpoint.token;
  }

  private _openSocket(): void {
    const url = wsUrl(this._base);
    let socket: WebSocket;
    try {
      socket =
        this._token === null
          ? new this._WebSocket(url)
          : new this._WebSocket(url, eventsSubprotocols(this._token));
    } catch (err) {
      this._error.emit(`cannot open ${url}: ${(err as Error).message}`);
      this._scheduleReconnect();
      return;
    }
    this._socket = socket;
    const held: ViewerEvent[] = [];
    let ready = false;
    const abort = new AbortController();
    socket.onmessage = (msg: MessageEvent) => {
      const event = this._parseEvent(msg.data);
      if (!event) return;
      if (ready) this._eventReceived.emit(event);
      else held.push(event);
    };
    socket.onopen = () => {
      this.fetchState(abort.signal).then(
        state => {
          if (this._socket !== socket) return;
          const restarted =
            this._identity !== null &&
            (this._identity.pid !== state.pid || this._identity.startedAt !== state.started_at);
          this._identity = { pid: state.pid, startedAt: state.started_at };
          this._delay = this._minDelay;
          this._setStatus('connected');
          this._stateReceived.emit({ state, restarted });
          ready = true;
          for (const event of held.splice(0)) this._eventReceived.emit(event);
        },
        (err: Error) => {
          if (this._socket !== socket) return;
          this._error.emit(err.message);
          socket.close();
        }
      );
    };
    socket.onclose = () => {
      abort.abort();
      if (this._socket !== socket) return;
      this._socket = null;
      this._setStatus(
        this._status === 'connecting' && this._wanted ? 'connecting' : 'disconnected'
      );
      if (this._wanted) this._scheduleReconnect();
    };
    socket.onerror = () => {
      // onclose follows and reconnects; nothing to do here
    };
  }

  private _parseEvent(data: unknown): ViewerEvent | null {
    if (typeof data !== 'string') {
      this._error.emit('api/events: binary frame ignored (events are JSON text)');
      return null;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(data);
    } catch {
      this._error.emit(`api/events: not JSON: ${data.slice(0, 80)}`);
      return null;
    }
    const parsed = ViewerEventSchema.safeParse(raw);
    if (!parsed.success) {
      this._error.emit(`api/events: unexpected event: ${parsed.error.message.slice(0, 200)}`);
      return null;
    }
    return parsed.data;
  }

  private _scheduleReconnect(): void {
    clearTimeout(this._timer);
    const delay = this._delay;
    this._delay = Math.min(this._maxDelay, this._delay * 2);
    const attempt = this._attempt;
    this._timer = setTimeout(() => {
      if (this._wanted && !this._socket && attempt === this._attempt) this._open();
    }, delay);
  }

  private _closeSocket(): void {
    const socket = this._socket;
    this._socket = null;
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    try {
      socket.close();
    } catch {
      // already closed
    }
  }

  private _setStatus(status: ConnectionStatus): void {
    if (status === this._status) return;
    this._status = status;
    this._statusChanged.emit(status);
  }

  private _base: string;
  private _token: string | null;
  private readonly _endpoint: (() => Promise<ViewerEndpoint | null>) | null;
  /** Grows with each endpoint request and each disconnect: answers of older ones are dropped. */
  private _attempt = 0;
  private readonly _rawFetch: typeof fetch;
  private readonly _fetch: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    if (this._token !== null) headers.set(BROWSER_TOKEN_HEADER, this._token);
    return this._rawFetch(input, { ...init, headers });
  };
  private _WebSocket: WebSocketCtor;
  private _minDelay: number;
  private _maxDelay: number;
  private _delay: number;
  private _timer: ReturnType<typeof setTimeout> | undefined;
  private _socket: WebSocket | null = null;
  private _wanted = false;
  private _disposed = false;
  private _identity: { pid: number; startedAt: number } | null = null;
  private _status: ConnectionStatus = 'disconnected';
  private _statusChanged = new Signal<this, ConnectionStatus>(this);
  private _stateReceived = new Signal<this, StateNotice>(this);
  private _eventReceived = new Signal<this, ViewerEvent>(this);
  private _error = new Signal<this, string>(this);
}

function normalizeBase(url: string): string {
  if (!url)
    throw new Error('ServerConnection: baseUrl is empty; pass e.g. `${baseUrl}proxy/8555/`');
  return url.endsWith('/') ? url : `${url}/`;
}

/** http(s)://… → ws(s)://…; a relative base resolves against the page. */
export function wsUrl(base: string): string {
  const page = (globalThis as { location?: { href: string } }).location?.href;
  const url = new URL(`${base}${API_PATHS.events}`, page);
  url.protocol =
    url.protocol === 'https:' ? 'wss:' : url.protocol === 'http:' ? 'ws:' : url.protocol;
  return url.toString();
}
