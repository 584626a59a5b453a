/**
 * Who may use the browser API on P+3000 (docs/security.md, part D). Any local program can
 * connect to the port, any web page can open a WebSocket to it, and a DNS-rebinding page
 * (evil.example resolving to 127.0.0.1) is even same-origin with it. So every request must
 * carry the server's browser token (only its user can read it: the 0600 server record, or
 * Jupyter's authenticated `pipeline-viewer/connect`), and a browser request is refused when
 * it came straight to this port under a foreign name (Host) or from a page of another
 * origin (Origin). Refusals are counted by reason and logged (the first few of each).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  BROWSER_TOKEN_HEADER,
  BROWSER_TOKEN_PARAM,
  subprotocolToken,
  TOKEN_SUBPROTOCOL_PREFIX
} from '../../protocol/index.js';

/** `frame`: a WebSocket frame from a client over the api/events cap (the connection is closed). */
export const BROWSER_REFUSALS = ['host', 'origin', 'token', 'frame'] as const;
export type BrowserRefusal = (typeof BROWSER_REFUSALS)[number];

export interface Refused {
  status: 401 | 403;
  reason: BrowserRefusal;
  message: string;
}

/** Refusals logged per reason; later ones are only counted (a looping page must not fill the log). */
const LOGGED_PER_REASON = 20;

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** `name[:port]` of a Host header (IPv6 in brackets), lower-cased; null when malformed. */
export function parseHost(
  header: string | undefined
): { name: string; port: number | null } | null {
  if (!header) return null;
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]\s]+)(?::(\d{1,5}))?$/i.exec(header.trim());
  if (!m) return null;
  return { name: m[1].toLowerCase(), port: m[2] === undefined ? null : Number(m[2]) };
}

/** True when Origin (`scheme://name[:port]`) names the same host and port as Host. */
export function sameHost(origin: string, host: { name: string; port: number | null }): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  const defaultPort = url.protocol === 'https:' ? 443 : url.protocol === 'http:' ? 80 : null;
  if (defaultPort === null) return false;
  const originPort = url.port === '' ? defaultPort : Number(url.port);
  return url.hostname.toLowerCase() === host.name && originPort === (host.port ?? defaultPort);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export class BrowserGuard {
  private readonly tokenDigest: Buffer;
  private readonly refused = new Map<BrowserRefusal, number>();

  /** `httpPort`: the port this server's HTTP listens on (P+3000). */
  constructor(
    token: string,
    private readonly httpPort: number,
    private readonly log: (line: string) => void
  ) {
    if (token.length < 16) throw new Error('BrowserGuard: the browser token is too short');
    this.tokenDigest = digest(token);
  }

  /** An HTTP request: Host, Origin (when sent) and the token header. */
  checkHttp(req: IncomingMessage): Refused | null {
    return this.count(req, this.checkBrowser(req) ?? this.checkToken(headerToken(req)));
  }

  /** A WebSocket upgrade: Host, Origin, and the token as subprotocol (or header, or query). */
  checkUpgrade(req: IncomingMessage): Refused | null {
    const token =
      subprotocolToken(req.headers['sec-websocket-protocol']) ??
      headerToken(req) ??
      new URL(req.url ?? '/', 'http://localhost').searchParams.get(BROWSER_TOKEN_PARAM);
    return this.count(req, this.checkBrowser(req) ?? this.checkToken(token));
  }

  /** A frame the WebSocket library refused on an open api/events connection (it closes it). */
  refuseFrame(message: string): void {
    const n = (this.refused.get('frame') ?? 0) + 1;
    this.refused.set('frame', n);
    if (n <= LOGGED_PER_REASON)
      this.log(
        `http: closed an api/events connection: ${message}; clients send nothing there, frames over 1 KiB are refused${n === LOGGED_PER_REASON ? ' (further ones are only counted)' : ''}`
      );
  }

  /** For status: refusals by reason. */
  snapshot(): { browser_refused: number; browser_refused_reasons: Record<string, number> } {
    return {
      browser_refused: [...this.refused.values()].reduce((a, b) => a + b, 0),
      browser_refused_reasons: Object.fromEntries(this.refused)
    };
  }

  /**
   * Host: a browser that reached this port itself sent `<name>:<this port>`; unless the name
   * is loopback, that page was loaded under a foreign name pointing here (DNS rebinding).
   * Through jupyter-server-proxy the Host is the Jupyter server's (checked empirically:
   * e.g. `localhost:8888`, or `hub.mybinder.org` on Binder), never this port, and Jupyter
   * checked it. Origin: a page of another origin (or `null`, a sandboxed or file page).
   */
  private checkBrowser(req: IncomingMessage): Refused | null {
    const host = parseHost(req.headers.host);
    if (host === null) {
      return {
        status: 403,
        reason: 'host',
        message: `missing or malformed Host header ${JSON.stringify(req.headers.host ?? null)}`
      };
    }
    if (!LOOPBACK_NAMES.has(host.name) && (host.port ?? 80) === this.httpPort) {
      return {
        status: 403,
        reason: 'host',
        message: `Host ${host.name}:${host.port} is not a loopback name (DNS rebinding?); open the viewer through Jupyter ({baseUrl}proxy/${this.httpPort}/) or at 127.0.0.1:${this.httpPort}`
      };
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !sameHost(origin, host)) {
      return {
        status: 403,
        reason: 'origin',
        message: `Origin ${JSON.stringify(origin)} is not the page this server is served from (Host ${req.headers.host}); cross-origin pages may not read the viewer`
      };
    }
    return null;
  }

  private checkToken(token: string | null): Refused | null {
    // Digests have one length, so the comparison time says nothing about the token.
    if (token !== null && timingSafeEqual(digest(token), this.tokenDigest)) return null;
    return {
      status: 401,
      reason: 'token',
      message: `${token === null ? 'missing' : 'wrong'} viewer token: send the server's browser token in the ${BROWSER_TOKEN_HEADER} header, or on the WebSocket as the subprotocol ${TOKEN_SUBPROTOCOL_PREFIX}<token>; 'pipeline-viewer server connect --port P' prints it`
    };
  }

  private count(req: IncomingMessage, refused: Refused | null): Refused | null {
    if (refused === null) return null;
    const n = (this.refused.get(refused.reason) ?? 0) + 1;
    this.refused.set(refused.reason, n);
    if (n <= LOGGED_PER_REASON) {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const more =
        n === LOGGED_PER_REASON ? ' (further refusals of this kind are only counted)' : '';
      this.log(
        `http: refused ${req.method} ${path} (${refused.status} ${refused.reason}): ${refused.message}${more}`
      );
    }
    return refused;
  }
}

function headerToken(req: IncomingMessage): string | null {
  const value = req.headers[BROWSER_TOKEN_HEADER];
  return typeof value === 'string' ? value : null;
}
