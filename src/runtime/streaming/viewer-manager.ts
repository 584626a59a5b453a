/**
 * The producer's handle on one viewer server (one requested data port): start or reuse it,
 * clear it, stop it, and `show()` an array by hand. OpenHCS's NapariStreamVisualizer,
 * without its unbounded waits: every call here has a timeout. Only this user's server is
 * used (found by its record); when the requested port is held by someone else, the server
 * runs on another port, `dataPort`, which everything here then talks to.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_HOST,
  dataPortProblem,
  encodeBatch,
  type BatchReply,
  type Colormap,
  type ControlReply,
  type ControlRequest,
  type ImageMetadata
} from '../../protocol/index.js';
import { controlRequest, ping } from '../../protocol/node/control-client.js';
import { ensureServer, type Pong } from '../../protocol/node/server-process.js';
import { findOwnServer, type ServerRecord } from '../../protocol/node/server-record.js';
import type { NdArray } from '../model/image-data.js';
import { DataChannel } from './data-channel.js';
import { newRun, showOwner } from './run-owner.js';

/** Longest wait for open_plate's reply. */
const OPEN_PLATE_TIMEOUT_MS = 40_000;

export interface ViewerManagerOptions {
  port: number;
  host?: string;
  /** Persistent servers stay alive after `stop()` (and after this process), as in OpenHCS. */
  persistent?: boolean;
  /** Bound on the wait for a spawned server to answer ping. */
  readyTimeoutMs?: number;
  /** Server log; default `viewer-server-<data port>.log` in the viewer's home (see defaultLogFile). */
  logFile?: string;
  /** Server entry; default `lib/viewer-server/main.js` of this package. */
  serverScript?: string;
  /** Bound on control requests (ping, clear, shutdown) and on `show()` replies. */
  timeoutMs?: number;
}

export interface ShowOptions {
  /** Layer name; defaults to the server's slice-mode key. */
  name?: string;
  metadata?: ImageMetadata;
  colormap?: Colormap;
  /** The array holds label ids (a segmentation): shown as a labels layer. */
  labels?: boolean;
}

/**
 * `lib/viewer-server/main.js` of this package, found from this module's own URL so it works
 * from lib/ under Node and Deno, and from src/ under ts-jest (which maps to the built lib/).
 */
export function defaultServerScript(): string {
  if (process.env.PIPELINE_VIEWER_SERVER_SCRIPT) return process.env.PIPELINE_VIEWER_SERVER_SCRIPT;
  const here = path.dirname(fileURLToPath(import.meta.url)); // <pkg>/{lib,src}/runtime/streaming
  return path.resolve(here, '..', '..', '..', 'lib', 'viewer-server', 'main.js');
}

export class ViewerManager {
  readonly port: number;
  readonly host: string;
  readonly persistent: boolean;
  private readonly timeoutMs: number;
  private channel: DataChannel | null = null;
  private pong: Pong | null = null;
  private record: ServerRecord | null = null;

  constructor(private readonly options: ViewerManagerOptions) {
    const problem = dataPortProblem(options.port);
    if (problem) throw new RangeError(`ViewerManager: ${problem}`);
    this.port = options.port;
    this.host = options.host ?? DEFAULT_HOST;
    this.persistent = options.persistent ?? true;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  /** Reuses this user's server for the port or spawns a detached one and waits until it is ready (≤ 30 s). */
  async start(): Promise<Pong> {
    const { pong, record } = await ensureServer({
      script: this.options.serverScript ?? defaultServerScript(),
      port: this.port,
      host: this.host,
      logFile: this.options.logFile,
      readyTimeoutMs: this.options.readyTimeoutMs ?? 30_000
    });
    if (this.record && this.record.ports.data !== record.ports.data) {
      this.channel?.close();
      this.channel = null;
    }
    this.pong = pong;
    this.record = record;
    return pong;
  }

  /** The data port actually used: the requested one, or the one taken when it was held. */
  get dataPort(): number {
    return this.record?.ports.data ?? this.port;
  }

  /** This user's live server for the port, found by its record (it may have been restarted). */
  private ownServer(): ServerRecord | null {
    return findOwnServer(this.port);
  }

  /** Whether a live server of this user's is recorded for the port (no network). */
  hasServer(): boolean {
    return this.ownServer() !== null;
  }

  /** Pid of the server found by the last `start()`, or null. */
  get pid(): number | null {
    return this.pong?.pid ?? null;
  }

  /** Whether this user's server for the port answers ping. */
  async isRunning(): Promise<boolean> {
    const record = this.ownServer();
    if (!record) return false;
    const timeoutMs = Math.min(this.timeoutMs, 1000);
    const pong = await ping(record.ports.data, { host: this.host, timeoutMs });
    return pong?.pid === record.pid;
  }

  /**
   * Whether this user's server for the port answers ping within `timeoutMs`: 'silent' when
   * its process lives but does not answer (frozen, hung), 'none' when there is no live
   * server of ours (gone, or still starting: it writes its record once its ports are bound).
   */
  async responsive(timeoutMs = 500): Promise<'answers' | 'silent' | 'none'> {
    const record = this.ownServer();
    if (!record) return 'none';
    const pong = await ping(record.ports.data, { host: this.host, timeoutMs }).catch(() => null);
    return pong?.pid === record.pid ? 'answers' : 'silent';
  }

  /** A control request with the server's secret; the reply must be of type `expected`. */
  private async command<T extends ControlReply['type']>(
    request: ControlRequest,
    expected: T,
    what: string
  ): Promise<Extract<ControlReply, { type: T }>> {
    const record = this.ownServer();
    if (!record) {
      throw new Error(`no viewer server of yours for port ${this.port}; start() one first`);
    }
    const reply = await controlRequest(record.ports.data, request, {
      host: this.host,
      timeoutMs: this.timeoutMs,
      secret: record.secret
    });
    if (reply.type !== expected) {
      throw new Error(
        `viewer server on port ${record.ports.data} did not ${what}: ${JSON.stringify(reply)}`
      );
    }
    return reply as Extract<ControlReply, { type: T }>;
  }

  /** Empties the server's whole layer store, every producer's planes (OpenHCS's clear_state). */
  async clear(): Promise<void> {
    await this.command({ type: 'clear_state' }, 'clear_state_ack', 'clear its state');
  }

  /**
   * Removes only the planes `owner` made in runs other than `exceptRun` (and layers left
   * empty); other notebooks' runs and show() layers stay. Resolves with what was removed.
   */
  async clearOwner(owner: string, exceptRun?: string): Promise<{ planes: number; layers: number }> {
    const request: ControlRequest = {
      type: 'clear_owner',
      owner,
      ...(exceptRun ? { except_run: exceptRun } : {})
    };
    const { planes, layers } = await this.command(
      request,
      'clear_owner_ack',
      `clear the earlier runs of ${owner}`
    );
    return { planes, layers };
  }

  /**
   * Shows the plate folder `dir` (absolute) as a layer from disk (open_plate): the server
   * starts a reader for it and serves its planes from the files. Resolves to the layer's key;
   * throws the reader's error (no plate there, unreadable files).
   */
  async openPlate(dir: string): Promise<string> {
    const record = this.ownServer();
    if (!record)
      throw new Error(`no viewer server of yours for port ${this.port}; start() one first`);
    const reply = await controlRequest(
      record.ports.data,
      { type: 'open_plate', path: dir },
      // The server waits ≤ 10 s for the reader to open the plate, then ≤ 10 s per request.
      {
        host: this.host,
        timeoutMs: Math.max(this.timeoutMs, OPEN_PLATE_TIMEOUT_MS),
        secret: record.secret
      }
    );
    if (reply.type === 'open_plate_ack') return reply.layer;
    throw new Error(
      reply.type === 'error'
        ? reply.error
        : `viewer server on port ${record.ports.data} did not open ${dir}: ${JSON.stringify(reply)}`
    );
  }

  /** A persistent server stays alive; a non-persistent one is shut down. */
  async stop(): Promise<void> {
    this.channel?.close();
    this.channel = null;
    if (this.persistent) return;
    if (!(await this.isRunning())) return;
    await this.command({ type: 'shutdown' }, 'shutdown_ack', 'acknowledge shutdown');
  }

  /**
   * Sends one array as the binary variant: the JSON header plus the raw bytes as a second
   * multipart frame, handed to zeromq without a copy. Resolves with the server's reply.
   * The batch is owned by this session's show() of that name: no pipeline run clears it.
   */
  async show(array: NdArray, options: ShowOptions = {}): Promise<BatchReply> {
    const { data, shape, dtype } = array;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const frames = encodeBatch(
      {
        type: 'batch',
        images: [
          {
            path: options.name ?? 'show',
            shape: [...shape],
            dtype,
            image_id: crypto.randomUUID(),
            metadata: { source: options.name ?? 'show', ...options.metadata },
            ...(options.labels ? { data_type: 'labels' as const } : {}),
            frame: 1
          }
        ],
        display_config: {
          component_modes: {},
          colormap: options.colormap ?? 'gray',
          variable_size_handling: 'pad_to_max'
        },
        ...(options.name ? { layer_name: options.name } : {}),
        run: newRun(showOwner(options.name ?? 'show'))
      },
      [bytes]
    );
    this.channel ??= new DataChannel(this.dataPort, {
      host: this.host,
      sendTimeoutMs: this.timeoutMs,
      replyTimeoutMs: this.timeoutMs
    });
    return this.channel.request(frames);
  }
}

const managers = new Map<string, ViewerManager>();

/** One manager per host:port in this process, so runs reuse it (created on first use). */
export function viewerManagerFor(options: ViewerManagerOptions): ViewerManager {
  const key = `${options.host ?? DEFAULT_HOST}:${options.port}`;
  let manager = managers.get(key);
  if (!manager) {
    manager = new ViewerManager(options);
    managers.set(key, manager);
  }
  return manager;
}
