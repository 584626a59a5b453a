/**
 * PlaneLoader: fetches planes from `api/plane`, one request per (layer, axis values, max)
 * at a time (concurrent asks share it), and aborts requests nobody wants any more when the
 * slider moves on. Aborted and failed requests are counted as drops. Planes are asked for
 * by axis values, never indices: new values the server inserts meanwhile shift indices, so
 * an index could name another well's plane by the time the request arrives.
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
}

const PLANE_TIMEOUT_MS = 30_000;

export class PlaneLoader {
  constructor(
    private readonly _getBase: () => string,
    private readonly _fetch: typeof fetch
  ) {}

  /** Requests given up (aborted because unwanted) or failed. */
  get drops(): number {
    return this._drops;
  }

  get inFlight(): number {
    return this._pending.size;
  }

  static key(req: Pick<PlaneRequest, 'layer' | 'values' | 'max'>): string {
    return `${req.layer}\u0000${valuesKey(req.values)}\u0000${Math.round(req.max)}`;
  }

  isLoading(req: PlaneRequest): boolean {
    return this._pending.has(PlaneLoader.key(req));
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
    let url: string;
    try {
      url = planeUrl(this._getBase(), req.layer, planePosition(req), req.max);
    } catch (err) {
      this._drops++;
      return Promise.reject(err as Error);
    }
    const controller = new AbortController();
    const entry = {
      controller,
      promise: undefined as unknown as Promise<Plane>,
      prefetch: !!options.prefetch
    };
    entry.promise = this._get(url, req, controller.signal).then(
      plane => {
        this._pending.delete(key);
        return plane;
      },
      (err: unknown) => {
        this._pending.delete(key);
        const aborted = (err as Error).name === 'AbortError';
        if (!(aborted && entry.prefetch)) this._drops++;
        throw err;
      }
    );
    this._pending.set(key, entry);
    return entry.promise;
  }

  /** Abort every in-flight request whose key is not in `keys`. */
  keepOnly(keys: ReadonlySet<string>): void {
    for (const [key, p] of this._pending) if (!keys.has(key)) p.controller.abort();
  }

  cancelAll(): void {
    this.keepOnly(new Set());
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

  private _pending = new Map<
    string,
    { controller: AbortController; promise: Promise<Plane>; prefetch: boolean }
  >();
  private _drops = 0;
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
