/**
 * Who may connect to the data and control ROUTERs (docs/security.md, part A).
 *
 * libzmq reads a peer that does not open with ZMTP 3's signature as ZMTP/1.0, so the bytes of
 * an HTTP request a web page sends to 127.0.0.1:P became messages. With a ZAP domain set on a
 * socket and a ZAP handler (a ROUTER on inproc://zeromq.zap.01 in the socket's context),
 * libzmq refuses ZMTP/1.0 and 2.0 peers outright and asks the handler about every other
 * one. The handler allows TCP peers from loopback addresses and IPC peers of the server's
 * own uid (libzmq gives `localhost:<uid>:<gid>:<pid>` from SO_PEERCRED), and refuses the
 * rest. Refusals are counted by reason and logged (the first few, then a summary a minute).
 */
import * as zmq from 'zeromq';

export const ZAP_DOMAIN = 'pipeline-viewer';
/** The remote data socket's domain: CURVE peers from any address (docs/security.md). */
export const REMOTE_ZAP_DOMAIN = 'pipeline-viewer-remote';
const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

export const PEER_REFUSALS = ['no_handshake', 'not_loopback', 'foreign_uid'] as const;
export type PeerRefusal = (typeof PEER_REFUSALS)[number];

const IPC_PEER = /^localhost:(\d+):(\d+):(\d+)$/;

function isLoopback(address: string): boolean {
  const ip = address.toLowerCase().replace(/^::ffff:/, '');
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip) || ip === '::1';
}

/** Why a peer at `address` (ZAP's address frame) is refused by a server of `uid`, or null. */
export function zapRefusal(address: string, uid: number): PeerRefusal | null {
  const ipc = IPC_PEER.exec(address);
  if (ipc) return uid < 0 || Number(ipc[1]) === uid ? null : 'foreign_uid';
  return isLoopback(address) ? null : 'not_loopback';
}

const HOW_TO_FIX: Record<PeerRefusal, string> = {
  no_handshake:
    'closed before a ZeroMQ 3 handshake (an HTTP request from a web page, a port scan, or a ZeroMQ < 3 client); producers must use ZeroMQ >= 3 sockets',
  not_loopback: 'is not on this machine; only loopback peers are served',
  foreign_uid: "belongs to another user; only the server's own user is served over IPC"
};

/** First refusals of a reason logged one by one; later ones in a summary at most once a minute. */
const LOGGED_PER_REASON = 5;
const SUMMARY_INTERVAL_MS = 60_000;

export class ZapHandler {
  private readonly socket: zmq.Router;
  private readonly refused = new Map<PeerRefusal, number>();
  /** Remote producers let in (CURVE handshakes) by address. */
  private readonly remote = new Map<string, number>();
  private lastSummary = 0;
  private loop: Promise<void> | null = null;

  constructor(
    readonly context: zmq.Context,
    private readonly log: (line: string) => void,
    private readonly uid: number
  ) {
    this.socket = new zmq.Router({ context, linger: 0 });
  }

  /** Bind before any socket with the ZAP domain binds, so no peer is ever let in unasked. */
  async start(): Promise<void> {
    await this.socket.bind(ZAP_ENDPOINT);
    this.loop = (async () => {
      for await (const frames of this.socket) await this.answer(frames);
    })().catch((err: unknown) => {
      if (!this.socket.closed) this.log(`zap: handler stopped: ${(err as Error).message}`);
    });
  }

  /** ZAP request: [id, '', version, request id, domain, address, identity, mechanism, ...]. */
  private async answer(frames: Buffer[]): Promise<void> {
    const [id, empty, version, requestId, domain, address, , mechanism] = frames;
    const peer = address?.toString() ?? '';
    if (domain?.toString() === REMOTE_ZAP_DOMAIN && mechanism?.toString() === 'CURVE') {
      // CURVE already proved the peer holds the server's public key; counted by host.
      this.remote.set(peer, (this.remote.get(peer) ?? 0) + 1);
      await this.socket.send([id, empty, version, requestId, '200', 'OK', '', '']);
      return;
    }
    let refusal: PeerRefusal | null = zapRefusal(peer, this.uid);
    if (domain?.toString() !== ZAP_DOMAIN || mechanism?.toString() !== 'NULL') {
      refusal ??= 'not_loopback'; // never happens with our sockets; refuse what we do not know
    }
    if (refusal) {
      const ipc = IPC_PEER.exec(peer);
      this.note(refusal, ipc ? `IPC peer of uid ${ipc[1]}, pid ${ipc[3]}` : `TCP peer ${peer}`);
    }
    const status = refusal ? ['400', `refused: ${refusal}`] : ['200', 'OK'];
    await this.socket.send([id, empty, version, requestId, ...status, '', '']);
  }

  /**
   * Counts peers of `socket` that closed before a handshake, from libzmq's events. They carry
   * no connection id, so a close while a handshake is pending is taken for that peer's; when
   * that peer later completes or fails its handshake, the close was an established peer's
   * and the count is corrected (counting at the close and again at the failure counted one
   * raw connection twice, the fuzzer's finding). Exact once no handshake is pending.
   */
  watch(socket: zmq.Router, name: string): void {
    let shaking = 0;
    let established = 0;
    let failed = 0;
    const where = (event: object) =>
      'address' in event ? `${name} ${String(event.address)}` : name;
    void (async () => {
      for await (const event of socket.events) {
        const error = event.type.startsWith('handshake:error');
        if (event.type === 'accept') shaking++;
        else if ((event.type === 'handshake' || error) && shaking === 0) {
          // An earlier close taken for this pending peer was an established peer's.
          established = Math.max(0, established - 1);
          if (event.type === 'handshake') {
            established++;
            this.uncount('no_handshake');
          } else {
            failed++; // its own close is still to come
            if (event.type === 'handshake:error:auth') this.uncount('no_handshake');
          }
        } else if (event.type === 'handshake') {
          shaking--;
          established++;
        } else if (error) {
          shaking--;
          failed++;
          if (event.type !== 'handshake:error:auth') this.note('no_handshake', where(event));
        } else if (event.type === 'disconnect') {
          if (failed > 0) failed--;
          else if (shaking > 0) {
            shaking--;
            this.note('no_handshake', where(event));
          } else if (established > 0) established--;
        }
      }
    })().catch(() => undefined); // the observer ends when its socket closes
  }

  private uncount(reason: PeerRefusal): void {
    const count = this.refused.get(reason) ?? 0;
    if (count > 0) this.refused.set(reason, count - 1);
  }

  private note(reason: PeerRefusal, where: string): void {
    const count = (this.refused.get(reason) ?? 0) + 1;
    this.refused.set(reason, count);
    if (count <= LOGGED_PER_REASON) {
      this.log(`refused a peer (${where}) that ${HOW_TO_FIX[reason]} [${reason} #${count}]`);
    } else if (Date.now() - this.lastSummary >= SUMMARY_INTERVAL_MS) {
      this.lastSummary = Date.now();
      this.log(`refused peers so far: ${JSON.stringify(Object.fromEntries(this.refused))}`);
    }
  }

  snapshot(): {
    peers_refused: number;
    peers_refused_reasons: Record<string, number>;
    remote_producers?: Record<string, number>;
  } {
    let total = 0;
    for (const n of this.refused.values()) total += n;
    return {
      peers_refused: total,
      peers_refused_reasons: Object.fromEntries(this.refused),
      ...(this.remote.size > 0 ? { remote_producers: Object.fromEntries(this.remote) } : {})
    };
  }

  async close(): Promise<void> {
    this.socket.close();
    await this.loop;
  }
}
