/**
 * HTTP side of the browser API (protocol/viewer-api.ts): `api/state` as JSON,
 * `api/plane` as raw little-endian pixels with the protocol's planeHeaders and
 * `api/thumbnails` (thumbnails-api.ts), `api/rois` (ROI overlays) as JSON. Paths are matched by
 * their ending so the server works behind jupyter-server-proxy's `/proxy/<port>/` with or
 * without the prefix. Same-origin through the proxy, so no CORS. Nothing is answered before
 * the BrowserGuard accepted the request (token, Host, Origin).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  API_PATHS,
  parsePlanePosition,
  planeHeaders,
  type PlanePosition
} from '../../protocol/index.js';
import { KeepRunError } from '../core/keep-run.js';
import { PlaneRequestError } from '../core/plane-request.js';
import type { ViewerCore } from '../core/viewer-core.js';
import type { BrowserGuard } from './browser-guard.js';
import { sendThumbnails, thumbnailsBody, ThumbnailsError } from './thumbnails-api.js';

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store'
  });
  res.end(text);
}

function endsWithPath(pathname: string, apiPath: string): boolean {
  return pathname === `/${apiPath}` || pathname.endsWith(`/${apiPath}`);
}

export function httpHandler(core: ViewerCore, guard: BrowserGuard, log: (line: string) => void) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const refused = guard.checkHttp(req);
    if (refused) {
      sendJson(res, refused.status, { error: refused.message });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'POST' && endsWithPath(url.pathname, API_PATHS.keep)) {
      keep(core, url, res);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, {
        error: `${req.method} is not supported; the viewer API is read-only (GET) but for POST ${API_PATHS.keep}`
      });
      return;
    }
    if (endsWithPath(url.pathname, API_PATHS.state)) {
      sendJson(res, 200, core.state());
      return;
    }
    if (endsWithPath(url.pathname, API_PATHS.rois)) {
      sendJson(res, 200, core.rois.overlays());
      return;
    }
    if (endsWithPath(url.pathname, API_PATHS.plane)) {
      void servePlane(core, url, res).catch((err: unknown) => {
        log(`http: plane ${url.search}: ${(err as Error).stack}`);
        if (!res.headersSent) sendJson(res, 500, { error: (err as Error).message });
        else res.destroy();
      });
      return;
    }
    if (endsWithPath(url.pathname, API_PATHS.thumbnails)) {
      thumbnailsBody(core, url).then(
        body => sendThumbnails(res, body),
        (err: unknown) => {
          if (err instanceof ThumbnailsError)
            return sendJson(res, err.status, { error: err.message });
          log(`http: thumbnails ${url.search}: ${(err as Error).stack}`);
          sendJson(res, 500, { error: (err as Error).message });
        }
      );
      return;
    }
    sendJson(res, 404, {
      error: `no such endpoint ${url.pathname}; try ${API_PATHS.state}, ${API_PATHS.plane}, ${API_PATHS.thumbnails}, ${API_PATHS.rois} or ${API_PATHS.events}`
    });
  };
}

/** "Keep this run" (core/keep-run.ts): renames, never removes; the body is ignored. */
function keep(core: ViewerCore, url: URL, res: ServerResponse): void {
  const layer = url.searchParams.get('layer');
  if (layer === null) {
    sendJson(res, 400, { error: `${API_PATHS.keep} needs layer=<key>` });
    return;
  }
  try {
    sendJson(res, 200, core.keepRun(layer));
  } catch (err) {
    if (err instanceof KeepRunError) sendJson(res, err.status, { error: err.message });
    else throw err;
  }
}

async function servePlane(core: ViewerCore, url: URL, res: ServerResponse): Promise<void> {
  const layer = url.searchParams.get('layer');
  const maxText = url.searchParams.get('max');
  const max = maxText === null ? Number.POSITIVE_INFINITY : Number(maxText);
  let at: PlanePosition;
  try {
    at = parsePlanePosition(url.searchParams.get('at'));
  } catch (err) {
    sendJson(res, 400, { error: (err as Error).message });
    return;
  }
  if (layer === null || !(max >= 1)) {
    sendJson(res, 400, {
      error: 'api/plane needs layer=<key>, at=<axis values as JSON> and optionally max=<pixels ≥ 1>'
    });
    return;
  }
  try {
    const plane = await core.plane(layer, at, max);
    // The plane's stored bytes are lent until the response is done with them.
    if (res.closed) plane.release();
    else res.once('close', () => plane.release());
    const body = Buffer.from(plane.pixels.buffer, plane.pixels.byteOffset, plane.pixels.byteLength);
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': body.byteLength,
      'cache-control': 'no-store',
      ...planeHeaders(plane)
    });
    res.end(body);
  } catch (err) {
    if (err instanceof PlaneRequestError) sendJson(res, err.status, { error: err.message });
    else throw err;
  }
}
