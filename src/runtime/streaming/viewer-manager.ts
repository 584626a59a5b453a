/**
 * The producer's handle on one viewer server (one data port): start or reuse it, clear it,
 * stop it, and `show()` an array by hand. OpenHCS's NapariStreamVisualizer, without its
 * unbounded waits: every call here has a timeout.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_HOST,
  dataPortProblem,
  encodeBatch,
  type BatchReply,
  type Colormap,
  type ImageMetadata
} from '../../protocol/index.js';
import { controlRequest, ping } from '../../protocol/node/control-client.js';
import { defaultLogFile, ensureServer, type Pong } from '../../protocol/node/server-process.js';
import type { NdArray } from '../model/image-data.js';
import { DataChannel } from './data-channel.js';

export interface ViewerManagerOptions {
  port: number;
  host?: string;
  /** Persistent servers stay alive after `stop()` (and after this process), as in OpenHCS. */
  persistent?: boolean;
  /** Bound on the wait for a spawned server to answer ping. */
  readyTimeoutMs?: number;
  /** Server log; default `viewer-server-<port>.log` in the viewer's home (see defaultLogFile). */
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

  constructor(private readonly options: ViewerManagerOptions) {
    const problem = dataPortProblem(options.port);
    if (problem) throw new RangeError(`ViewerManager: ${problem}`);
    this.port = options.port;
    this.host = options.host ?? DEFAULT_HOST;
    this.persistent = options.persistent ?? true;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  /** Pings; reuses a running server or spawns a detached one and waits until it is ready (≤ 30 s). */
  async start(): Promise<Pong> {
    const logFile = this.options.logFile ?? defaultLogFile(this.port);
    const { pong } = await ensureServer({
      script: this.options.serverScript ?? defaultServerScript(),
      port: this.port,
      args: ['--log', logFile],
      host: this.host,
      logFile,
      readyTimeoutMs: this.options.readyTimeoutMs ?? 30_000
    });
    this.pong = pong;
    return pong;
  }

  /** Pid of the server found by the last `start()`, or null. */
  get pid(): number | null {
    return this.pong?.pid ?? null;
  }

  async isRunning(): Promise<boolean> {
    return (
      (await ping(this.port, { host: this.host, timeoutMs: Math.min(this.timeoutMs, 1000) })) !==
      null
    );
  }

  /** Empties the server's layer store (OpenHCS sends clear_state before each run). */
  async clear(): Promise<void> {
    const reply = await controlRequest(
      this.port,
      { type: 'clear_state' },
      { host: this.host, timeoutMs: this.timeoutMs }
    );
    if (reply.type !== 'clear_state_ack') {
      throw new Error(
        `viewer server on port ${this.port} did not clear its state: ${JSON.stringify(reply)}`
      );
    }
  }

  /** A persistent server stays alive; a non-persistent one is shut down. */
  async stop(): Promise<void> {
    this.channel?.close();
    this.channel = null;
    if (this.persistent) return;
    if (!(await this.isRunning())) return;
    const reply = await controlRequest(
      this.port,
      { type: 'shutdown' },
      { host: this.host, timeoutMs: this.timeoutMs }
    );
    if (reply.type !== 'shutdown_ack') {
      throw new Error(
        `viewer server on port ${this.port} did not acknowledge shutdown: ${JSON.stringify(reply)}`
      );
    }
  }

  /**
   * Sends one array as the binary variant: the JSON header plus the raw bytes as a second
   * multipart frame, handed to zeromq without a copy. Resolves with the server's reply.
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
            frame: 1
          }
        ],
        display_config: {
          component_modes: {},
          colormap: options.colormap ?? 'gray',
          variable_size_handling: 'pad_to_max'
        },
        ...(options.name ? { layer_name: options.name } : {})
      },
      [bytes]
    );
    this.channel ??= new DataChannel(this.port, {
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
