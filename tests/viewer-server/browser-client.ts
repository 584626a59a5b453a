/**
 * A client of the browser API (HTTP on P+3000 and the api/events WebSocket) that can send
 * any Host, Origin and token, as a browser page, a DNS-rebinding page or another local
 * program would. The token comes from `pipeline-viewer server connect`, as Jupyter gets it.
 * Every wait is bounded.
 */
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import WebSocket from 'ws';
import { BROWSER_TOKEN_HEADER, eventsSubprotocols, httpPort } from '../../src/protocol/index.js';
import { BIN } from './server-process.js';

/** `pipeline-viewer server connect --port P` with the server's viewer home: its JSON. */
export function connectInfo(
  port: number,
  home: string
): Promise<{ ports: { data: number; http: number }; browser_token: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, 'server', 'connect', '--port', String(port)],
      { env: { ...process.env, PIPELINE_VIEWER_HOME: home }, timeout: 20_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`server connect failed: ${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout));
      }
    );
  });
}

export interface Reply {
  status: number;
  body: Buffer;
}

/** GET `path` on the server's HTTP port with exactly these extra headers (Host included). */
export function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  token?: string
): Promise<Reply> {
  const all = { ...headers, ...(token === undefined ? {} : { [BROWSER_TOKEN_HEADER]: token }) };
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port: httpPort(port), path, headers: all, timeout: 10_000 },
      res => {
        const chunks: Buffer[] = [];
        res.on('data', c => chunks.push(c as Buffer));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      }
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
  });
}

export interface WsOutcome {
  /** HTTP status of a refused upgrade, or 101 when it opened. */
  status: number;
  /** The first event received (the state), when the socket opened. */
  first: string | null;
  body: string;
}

/** Open api/events with this Origin/Host/token (as the panel: a subprotocol); what the server answered, within 5 s. */
export function openEvents(
  port: number,
  options: { origin?: string; host?: string; token?: string }
): Promise<WsOutcome> {
  const protocols = options.token === undefined ? [] : eventsSubprotocols(options.token);
  const ws = new WebSocket(`ws://127.0.0.1:${httpPort(port)}/api/events`, protocols, {
    origin: options.origin,
    headers: options.host ? { host: options.host } : {},
    handshakeTimeout: 5000
  });
  return new Promise<WsOutcome>((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('api/events: no answer within 5 s'));
    }, 5000);
    const done = (outcome: WsOutcome) => {
      clearTimeout(timer);
      ws.terminate();
      resolve(outcome);
    };
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', c => chunks.push(c as Buffer));
      res.on('end', () =>
        done({ status: res.statusCode ?? 0, first: null, body: Buffer.concat(chunks).toString() })
      );
    });
    ws.on('message', data => done({ status: 101, first: String(data), body: '' }));
    ws.on('error', err => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
