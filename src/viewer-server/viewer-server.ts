/**
 * One viewer server: binds the data port first (binding is the one-server-per-port lock,
 * no lock file to go stale), then HTTP/WS on P+3000, writes its record (pid, ports, secrets;
 * protocol/node/server-record.ts), then binds control on P+1000, so a server that answers
 * ping has every socket bound and its record written (ready). Both ZeroMQ sockets ask the
 * ZAP handler who may connect.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import * as zmq from 'zeromq';
import {
  controlPort,
  DEFAULT_HOST,
  httpPort,
  PROTOCOL_VERSION,
  SERVER_NAME,
  tcpEndpoint,
  type ControlReply,
  type ControlRequest,
  type ServerStatus
} from '../protocol/index.js';
import {
  currentUid,
  dataIpcEndpoint,
  newSecret,
  removeServerRecord,
  writeServerRecord
} from '../protocol/node/index.js';
import { BrowserGuard } from './sockets/browser-guard.js';
import { ControlSocket } from './sockets/control-socket.js';
import { DataSocket } from './sockets/data-socket.js';
import { EventHub } from './sockets/event-hub.js';
import { httpHandler } from './sockets/http-api.js';
import { ZapHandler } from './sockets/zap-handler.js';
import { AckSender } from './sockets/ack-sender.js';
import { OpenHcsControl } from './sockets/openhcs-control.js';
import { ipcPathProblem, openHcsIpcPath } from './sockets/openhcs-ipc.js';
import { ViewerCore } from './core/viewer-core.js';

export interface ViewerServerOptions {
  port: number;
  memoryBudgetBytes: number;
  storeDir: string;
  /** Bound on the layer store on disk (core/layer-persistence.ts); none when absent. */
  storeLimitBytes?: number;
  /** Start with an empty layer store instead of restoring what it holds. */
  fresh?: boolean;
  log: (line: string) => void;
  /** Token every browser API request must carry (part D); a random one when not given. */
  browserToken?: string;
  /**
   * OpenHCS producers' ack port (zmqruntime's shared_ack_port, 7555); the tests give
   * another. Environment of the OpenHCS paths (HOME) for its IPC endpoints.
   */
  openhcs?: { ackPort?: number; env?: NodeJS.ProcessEnv };
  /** Called after a `shutdown` request was answered and the server closed. */
  onShutdown?: () => void;
  /** Secret that status, clear_state and shutdown must carry; a random one when not given. */
  secret?: string;
  /**
   * Write the server record into the viewer home of `env` once bound (removed at close);
   * `requestedPort`: the port the user asked for when `port` had to differ. None when absent.
   */
  record?: { requestedPort: number; log?: string; env?: NodeJS.ProcessEnv };
  /**
   * Remote producers (docs/security.md): a second data socket on `host:port`, a CURVE server
   * with this secret key (sockets/curve-keys.ts). The only socket that may bind a
   * non-loopback address.
   */
  remote?: { host: string; port: number; secretKey: string };
}

/** The data port is held by another process (normally another viewer server). */
export class PortTakenError extends Error {
  override name = 'PortTakenError';
}

/** The server record could not be written (full disk, home not ours): the server stops. */
class RecordError extends Error {}

export class ViewerServer {
  readonly core: ViewerCore;
  private readonly zap: ZapHandler;
  private readonly data: DataSocket;
  private readonly remoteData: DataSocket | null;
  private readonly control: ControlSocket;
  private readonly httpServer: http.Server;
  private readonly events: EventHub;
  private readonly browserGuard: BrowserGuard;
  /** What the browser API asks for (HTTP header / WebSocket query, protocol/viewer-api.ts). */
  readonly browserToken: string;
  private readonly secret: string;
  private recordWritten = false;
  private ready = false;
  /** The data socket's IPC endpoint, when bound (protocol/node/ipc-endpoint.ts). */
  ipcEndpoint: string | null = null;
  /** OpenHCS's default IPC endpoints (data, control) this server bound (sockets/openhcs-ipc.ts). */
  readonly openHcsIpc: string[] = [];
  private readonly openHcsControl: OpenHcsControl;
  private readonly acks: AckSender;
  private closing: Promise<void> | null = null;

  private constructor(private readonly options: ViewerServerOptions) {
    const { log } = options;
    const ackPort = options.openhcs?.ackPort ?? 7555;
    this.acks = new AckSender(
      [
        tcpEndpoint(DEFAULT_HOST, ackPort),
        `ipc://${openHcsIpcPath(ackPort, options.openhcs?.env)}`
      ],
      options.port
    );
    this.core = new ViewerCore({
      memoryBudgetBytes: options.memoryBudgetBytes,
      storeDir: options.storeDir,
      storeLimitBytes: options.storeLimitBytes,
      log,
      imageOutcomes: outcomes => this.acks.send(outcomes)
    });
    // A context of its own: the ZAP endpoint is per context, and only this server's sockets use it.
    this.zap = new ZapHandler(new zmq.Context(), log, currentUid());
    this.secret = options.secret ?? newSecret();
    this.data = new DataSocket(log, this.zap);
    this.remoteData = options.remote
      ? new DataSocket(log, this.zap, { secretKey: options.remote.secretKey })
      : null;
    this.control = new ControlSocket(log, this.zap, this.secret);
    this.openHcsControl = new OpenHcsControl({
      ports: { data: options.port, control: controlPort(options.port) },
      ready: () => this.ready && this.closing === null,
      clear: () => {
        this.core.clear();
        this.events.flush();
      },
      stored: () => this.core.counters.images,
      log
    });
    this.browserToken = options.browserToken ?? randomBytes(32).toString('base64url');
    this.browserGuard = new BrowserGuard(this.browserToken, httpPort(options.port), log);
    this.httpServer = http.createServer(httpHandler(this.core, this.browserGuard, log));
    // Node closes an idle keep-alive connection after 5 s; a client (the proxy, undici) that
    // reuses it at that moment gets "other side closed" (seen under load). Keep them longer
    // than the clients do; stop closes them all anyway.
    this.httpServer.keepAliveTimeout = 65_000;
    // Remote producers by host reach the panel's status bar with the counters (issue 15).
    this.events = new EventHub(this.core, this.browserGuard, () => {
      const remote = this.zap.snapshot().remote_producers;
      return { ...this.core.counters.snapshot(), ...(remote ? { remote_producers: remote } : {}) };
    });
    this.httpServer.on('upgrade', (req, socket, head) => {
      if (!this.events.upgrade(req, socket, head)) socket.destroy();
    });
  }

  get ports() {
    const { port } = this.options;
    return { data: port, control: controlPort(port), http: httpPort(port) };
  }

  static async start(options: ViewerServerOptions): Promise<ViewerServer> {
    const server = new ViewerServer(options);
    const { data, control, http: web } = server.ports;
    try {
      await server.zap.start();
      await server.data.bind(tcpEndpoint(DEFAULT_HOST, data));
    } catch (err) {
      await server.close();
      if ((err as { code?: string }).code === 'EADDRINUSE') {
        throw new PortTakenError(`data port ${data} is already bound by another process`);
      }
      throw err;
    }
    try {
      // Only the winner of the port opens the store: it is this port's (or --store's) own.
      await server.core.open(options.fresh);
    } catch (err) {
      await server.close();
      throw err;
    }
    const ipc = dataIpcEndpoint(data);
    if (ipc !== null) {
      // Faster local path for raw frames; TCP stays the one every producer can use.
      try {
        fs.mkdirSync(path.dirname(ipc.slice('ipc://'.length)), { recursive: true });
        await server.data.bind(ipc);
        server.ipcEndpoint = ipc;
      } catch (err) {
        options.log(`data: no IPC endpoint ${ipc} (${(err as Error).message}); TCP only`);
      }
    }
    try {
      await new Promise<void>((resolve, reject) => {
        server.httpServer.once('error', reject);
        server.httpServer.listen(web, DEFAULT_HOST, () => {
          server.httpServer.off('error', reject);
          resolve();
        });
      });
      try {
        server.writeRecord();
      } catch (err) {
        await server.close();
        throw new RecordError(
          `viewer server on data port ${data}: cannot write its record in the viewer home (${(err as Error).message}); without it no client can prove it is yours`
        );
      }
      await server.control.bind(tcpEndpoint(DEFAULT_HOST, control));
    } catch (err) {
      if (err instanceof RecordError) throw err;
      await server.close();
      throw new Error(
        `viewer server on data port ${data}: cannot bind HTTP port ${web} or control port ${control} (${(err as Error).message}); another program holds it, choose another --port`
      );
    }
    await server.bindOpenHcsIpc();
    const remote = options.remote;
    if (server.remoteData && remote) {
      try {
        await server.remoteData.bind(tcpEndpoint(remote.host, remote.port));
      } catch (err) {
        await server.close();
        throw new Error(
          `viewer server on data port ${data}: cannot bind the remote data port ${remote.host}:${remote.port} (${(err as Error).message}); choose another --remote HOST:PORT`
        );
      }
    }
    // the panel hears of new planes on the next turn after a quiet spell (EventHub.soon)
    const ingest = (body: readonly Uint8Array[]) =>
      server.core.ingest(body).finally(() => server.events.soon());
    server.data.start(ingest);
    server.remoteData?.start(ingest);
    server.control.start(
      request => server.handleControl(request),
      request => {
        if (request.type === 'shutdown') void server.close().then(() => options.onShutdown?.());
      },
      server.openHcsControl
    );
    server.ready = true;
    server.core.disk.warmSpare(); // a plate opened from disk skips the source's start (issue 17)
    options.log(
      `ready: data ${data}${server.ipcEndpoint ? ` and ${server.ipcEndpoint}` : ''}${remote ? `, remote data ${remote.host}:${remote.port} (CURVE)` : ''}, control ${control}, http ${web}, pid ${process.pid}${server.openHcsIpc.length > 0 ? `; OpenHCS IPC ${server.openHcsIpc.join(', ')}` : ''}`
    );
    return server;
  }

  /**
   * OpenHCS's default IPC paths for data and control, when free (after the TCP data port
   * was won, so never a second server's); a path taken by a live process is left to it.
   */
  private async bindOpenHcsIpc(): Promise<void> {
    const { data, control } = this.ports;
    const env = this.options.openhcs?.env;
    for (const [socket, port] of [
      [this.data, data],
      [this.control, control]
    ] as const) {
      const file = openHcsIpcPath(port, env);
      try {
        const problem = await ipcPathProblem(file);
        if (problem !== null) {
          this.options.log(`openhcs: not binding ${file}: ${problem}`);
          continue;
        }
        await socket.bind(`ipc://${file}`);
        this.openHcsIpc.push(file);
      } catch (err) {
        this.options.log(`openhcs: not binding ${file}: ${(err as Error).message}`);
      }
    }
  }

  /** The record that lets this user's clients find and command the server (0600, atomic). */
  private writeRecord(): void {
    const { record } = this.options;
    if (!record) return;
    writeServerRecord(
      {
        pid: process.pid,
        uid: currentUid(),
        version: PROTOCOL_VERSION,
        requested_port: record.requestedPort,
        ports: this.ports,
        secret: this.secret,
        browser_token: this.browserToken,
        started_at: this.core.startedAt,
        ...(record.log ? { log: record.log } : {})
      },
      record.env
    );
    this.recordWritten = true;
  }

  status(): ServerStatus {
    return {
      pid: process.pid,
      version: PROTOCOL_VERSION,
      started_at: this.core.startedAt,
      ports: this.ports,
      layers: this.core.summaries(),
      counters: {
        ...this.core.counters.snapshot(),
        ...this.browserGuard.snapshot(),
        ...this.zap.snapshot(),
        control_unauthorized: this.control.unauthorized + this.openHcsControl.unauthorized,
        control_pickles_refused: this.openHcsControl.refused,
        openhcs_acks_sent: this.acks.sent,
        openhcs_acks_dropped: this.acks.dropped
      },
      memory: this.core.planes.stats(),
      store: {
        dir: this.options.storeDir,
        ...this.core.planes.saveStats(),
        limit_bytes: Number.isFinite(this.core.persistence.limitBytes)
          ? this.core.persistence.limitBytes
          : null
      }
    };
  }

  private handleControl(request: ControlRequest): ControlReply | Promise<ControlReply> {
    switch (request.type) {
      case 'ping':
        return {
          type: 'pong',
          ready: this.ready && this.closing === null,
          server: SERVER_NAME,
          viewer: 'pipeline-viewer',
          pid: process.pid,
          version: PROTOCOL_VERSION,
          port: this.ports.data,
          control_port: this.ports.control,
          http_port: this.ports.http,
          uid: currentUid(),
          transports: ['ring', 'segment', 'frames'] // ingest/batch-pixels.ts reads each
        };
      case 'status':
        return { type: 'status', status: this.status() };
      case 'clear_state':
        this.core.clear();
        this.events.flush();
        return { type: 'clear_state_ack', status: 'success' };
      case 'clear_owner': {
        const removed = this.core.clearOwner(request.owner, request.except_run);
        this.events.flush();
        return { type: 'clear_owner_ack', status: 'success', ...removed };
      }
      case 'shutdown':
        this.options.log('shutdown requested');
        return { type: 'shutdown_ack' };
      case 'open_plate':
        return this.openPlate(request.path);
    }
  }

  /** A plate folder shown as a layer from disk; the reader's error travels in the reply. */
  private async openPlate(dir: string): Promise<ControlReply> {
    if (!path.isAbsolute(dir))
      return {
        type: 'error',
        error: `open_plate: '${dir}' is not an absolute path; send the plate folder's absolute path (pipeline-viewer open resolves it)`
      };
    try {
      const layer = await this.core.openPlate(dir);
      this.events.flush();
      return { type: 'open_plate_ack', layer };
    } catch (err) {
      this.options.log(`open_plate: ${(err as Error).message}`);
      return { type: 'error', error: (err as Error).message };
    }
  }

  /** Close sockets, save what the layer store lacks (it stays for the next server). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.ready = false;
      this.events.close();
      if (this.recordWritten) {
        removeServerRecord(this.ports.data, process.pid, this.options.record?.env);
      }
      await Promise.all([this.data.close(), this.control.close(), this.remoteData?.close()]);
      this.acks.close();
      await this.zap.close();
      for (const file of this.openHcsIpc) fs.rmSync(file, { force: true });
      // The socket file is ours (bound after winning the port); zeromq leaves it behind.
      if (this.ipcEndpoint) fs.rmSync(this.ipcEndpoint.slice('ipc://'.length), { force: true });
      // Saving finishes before the HTTP port closes: once `stop` saw every port free, the
      // store is complete and free for the next server.
      await this.core.close();
      await new Promise<void>(resolve => {
        if (!this.httpServer.listening) return resolve();
        this.httpServer.close(() => resolve());
        this.httpServer.closeAllConnections();
      });
      this.options.log('closed');
    })();
    return this.closing;
  }
}
