/**
 * PlaneLoader: fetches planes from `api/plane`, one request per (layer, axis values, max)
 * at a time (concurrent asks share it). Planes the view needs go through `loadLatest`: per
 * layer one request in flight and one waiting, the newest asked for, so scrubbing never
 * aborts a request that is about to paint (each abort used to throw its plane away, and
 * holding an arrow key painted 2.4 planes/s out of 30 steps/s). Only guesses ahead
 * (prefetches) are aborted when unwanted. Failed requests are counted as drops, aborted
 * ones apart. Planes are asked for by axis values, never indices: new values the server
 * inserts meanwhile shift indices, so an index could name another well's plane by the time
 * the request arrives.
 */
import { viewAs } from '../../protocol/dtype.js';
import type { Component } from '../../protocol/components.js';
import {
  planeUrl,
  readPlaneHeaders,
  type PlaneHeader,
  type PlanePosition,
  type WireDtype
} from '../../protocol/viewer-api.js';
import { valuesKey } from '../model/axis-values.js';
import type { AxisValue, Plane, PlanePixels } from '../model/plane.js';

export interface PlaneRequest {
  layer: string;
  /** Names of the layer's axes, in the order of `values`. */
  axes: readonly Component[];
  /** The plane's value on each axis: what the server resolves and the cache keys on. */
  values: readonly AxisValue[];
  /** Wanted size of the larger side; the server picks the smallest level at least that big. */
  max: number;
  /**
   * The `loadLatest` lane: what is shown as one picture (default the layer; each channel of a
   * composite has its own, so a layer's channels load side by side, not one after another).
   */
  lane?: string;
}

const PLANE_TIMEOUT_MS = 30_000;

interface Pending {
  controller: AbortController;
  promise: Promise<Plane>;
  prefetch: boolean;
  /** Set for `loadLatest` requests: the lane it occupies. */
  lane?: string;
}

interface Queued {
  key: string;
  req: PlaneRequest;
  promise: Promise<Plane>;
  resolve(plane: Plane): void;
  reject(err: Error): void;
}

/** A waiting request replaced by a newer one, or dropped before it was sent. */
function superseded(req: PlaneRequest): Error {
  const err = new Error(`plane request for ${req.layer} superseded before it was sent`);
  err.name = 'AbortError';
  return err;
}

export class PlaneLoader {
  constructor(
    private readonly _getBase: () => string,
    private readonly _fetch: typeof fetch
  ) {}

  /** Requests that failed (HTTP errors, bad replies, timeouts): planes the user never got. */
  get drops(): number {
    return this._drops;
  }

  /** Requests aborted after they were sent, prefetches excluded (a test hook for scrubbing). */
  get aborted(): number {
    return this._aborted;
  }

  get inFlight(): number {
    return this._pending.size;
  }

  static key(req: Pick<PlaneRequest, 'layer' | 'values' | 'max'>): string {
    return `${req.layer}\u0000${valuesKey(req.values)}\u0000${Math.round(req.max)}`;
  }

  /** In flight or waiting in its lane. */
  isLoading(req: PlaneRequest): boolean {
    const key = PlaneLoader.key(req);
    return this._pending.has(key) || this._queued.get(laneOf(req))?.key === key;
  }

  /**
   * Fetch a plane the view needs now, latest wins per lane: while a request of the lane is
   * in flight, this one waits, replacing (rejecting with an AbortError) any older waiting
   * one; it is sent when the one in flight completes. The one in flight is never aborted.
   */
  loadLatest(req: PlaneRequest): Promise<Plane> {
    const key = PlaneLoader.key(req);
    if (this._pending.has(key)) return this.load(req);
    const lane = laneOf(req);
    const queued = this._queued.get(lane);
    if (queued?.key === key) return queued.promise;
    if (![...this._pending.values()].some(p => p.lane === lane))
      return this._start(req, key, { lane });
    if (queued) queued.reject(superseded(queued.req));
    let resolve!: (plane: Plane) => void;
    let reject!: (err: Error) => void;
    const promise = new Promise<Plane>((res, rej) => ((resolve = res), (reject = rej)));
    this._queued.set(lane, { key, req, promise, resolve, reject });
    return promise;
  }

  /**
   * Fetch a plane; rejects with an AbortError when cancelled by `keepOnly`/`cancelAll`.
   * A `prefetch` (a neighbour fetched ahead) is not counted as a drop when given up.
   */
  load(req: PlaneRequest, options: { prefetch?: boolean } = {}): Promise<Plane> {
    const key = PlaneLoader.key(req);
    const pending = this._pending.get(key);
    if (pending) {
      if (!options.prefetch) pending.prefetch = false; // somebody needs it now
      return pending.promise;
    }
    return this._start(req, key, options);
  }

  private _start(
    req: PlaneRequest,
    key: string,
    options: { prefetch?: boolean; lane?: string }
  ): Promise<Plane> {
    let url: string;
    try {
      url = planeUrl(this._getBase(), req.layer, planePosition(req), req.max);
    } catch (err) {
      this._drops++;
      return Promise.reject(err as Error);
    }
    const controller = new AbortController();
    const entry: Pending = {
      controller,
      promise: undefined as unknown as Promise<Plane>,
      prefetch: !!options.prefetch,
      lane: options.lane
    };
    const settle = () => {
      this._pending.delete(key);
      if (entry.lane !== undefined) this._next(entry.lane);
    };
    entry.promise = this._get(url, req, controller.signal).then(
      plane => {
        settle();
        return plane;
      },
      (err: unknown) => {
        settle();
        if (controller.signal.aborted) {
          if (!entry.prefetch) this._aborted++;
        } else this._drops++;
        throw err;
      }
    );
    this._pending.set(key, entry);
    return entry.promise;
  }

  /** The lane's request completed: send the one waiting, if any. */
  private _next(lane: string): void {
    const queued = this._queued.get(lane);
    if (!queued) return;
    this._queued.delete(lane);
    this._start(queued.req, queued.key, { lane }).then(queued.resolve, queued.reject);
  }

  /**
   * The position moved: abort prefetches whose key is not in `keys` and forget waiting
   * requests not in it. Needed requests in flight complete (their planes are cached).
   */
  keepOnly(keys: ReadonlySet<string>): void {
    for (const [key, p] of this._pending) if (p.prefetch && !keys.has(key)) p.controller.abort();
    for (const [lane, q] of [...this._queued]) {
      if (keys.has(q.key)) continue;
      this._queued.delete(lane);
      q.reject(superseded(q.req));
    }
  }

  /** Abort everything (clear, server restart, dispose). */
  cancelAll(): void {
    for (const q of this._queued.values()) q.reject(superseded(q.req));
    this._queued.clear();
    for (const p of this._pending.values()) p.controller.abort();
  }

  private async _get(url: string, req: PlaneRequest, signal: AbortSignal): Promise<Plane> {
    const res = await this._fetch(url, {
      signal: AbortSignal.any([signal, AbortSignal.timeout(PLANE_TIMEOUT_MS)])
    });
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw new Error(
        `GET plane ${req.layer} ${JSON.stringify(planePosition(req))}: HTTP ${res.status} ${text.slice(0, 200)}`
      );
    }
    let header: PlaneHeader;
    try {
      header = readPlaneHeaders(res.headers);
    } catch (err) {
      throw new Error(`GET plane ${req.layer}: ${(err as Error).message}`);
    }
    const { shape, dtype, level, revision } = header;
    const buffer = await res.arrayBuffer();
    const data = pixels(dtype, buffer);
    if (data.length !== shape[0] * shape[1]) {
      throw new Error(
        `GET plane ${req.layer}: ${buffer.byteLength} bytes do not hold a ${shape.join('×')} ${dtype} plane`
      );
    }
    return { layer: req.layer, values: [...req.values], level, revision, shape, dtype, data };
  }

  private _pending = new Map<string, Pending>();
  /** Per lane, the newest needed request waiting for the lane's request in flight. */
  private _queued = new Map<string, Queued>();
  private _drops = 0;
  private _aborted = 0;
}

function laneOf(req: PlaneRequest): string {
  return req.lane ?? req.layer;
}

/** The request's position as the server reads it: axis name → value. */
export function planePosition(req: Pick<PlaneRequest, 'axes' | 'values'>): PlanePosition {
  if (req.axes.length !== req.values.length) {
    throw new RangeError(
      `plane request has ${req.values.length} values for ${req.axes.length} axes (${req.axes.join(', ')})`
    );
  }
  const at: PlanePosition = {};
  req.axes.forEach((name, i) => (at[name] = req.values[i]));
  return at;
}

function pixels(dtype: WireDtype, buffer: ArrayBuffer): PlanePixels {
  try {
    return viewAs(dtype, new Uint8Array(buffer)) as PlanePixels;
  } catch (err) {
    throw new Error(`GET plane: ${(err as Error).message}`);
  }
}
