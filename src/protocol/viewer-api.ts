/**
 * The browser-facing API of the viewer server: HTTP for state and planes, a WebSocket for
 * live events. The widget reaches it through jupyter-server-proxy at
 * `{baseUrl}proxy/<httpPort>/`, behind Jupyter's authentication; every request also carries
 * the server's browser token (BROWSER_TOKEN_HEADER, or on the WebSocket a subprotocol, see
 * eventsSubprotocols), because any local program (another user's Jupyter proxy included)
 * could reach the port itself.
 *
 *   GET  api/state                 → ViewerState (JSON)
 *   GET  api/plane?layer&at&max    → plane pixels (binary, see PLANE_HEADERS)
 *   GET  api/thumbnails?layer&at&max[&wells] → every well's plane of a layer (thumbnails.ts)
 *   GET  api/rois                  → RoiOverlays (JSON, rois.ts)
 *   POST api/keep?layer            → KeptRun (JSON): keep the run that made the layer
 *   WS   api/events                → ViewerEvent (JSON text frames)
 */
import { z } from 'zod';
import { COLORMAPS, COMPONENTS } from './components.js';
import {
  AxisInfoSchema,
  CountersSchema,
  IMAGE_DATA_TYPES,
  LAYER_ORIGINS,
  PixelSizeSchema
} from './messages.js';

/**
 * Pixel types sent to the browser; the server converts others to float32, except a labels
 * layer's, which become uint32 (ids stay exact).
 */
export const WIRE_DTYPES = ['uint8', 'uint16', 'float32', 'uint32'] as const;
export type WireDtype = (typeof WIRE_DTYPES)[number];

export const LayerInfoSchema = z.object({
  key: z.string(),
  /** Wire dtype of planes of this layer. */
  dtype: z.enum(WIRE_DTYPES),
  /** Full-resolution plane shape [height, width]. */
  shape: z.tuple([z.number().int(), z.number().int()]),
  axes: z.array(AxisInfoSchema),
  colormap: z.enum(COLORMAPS),
  /** Data range seen so far, a starting point for contrast limits. */
  range: z.tuple([z.number(), z.number()]),
  image_count: z.number().int(),
  /** Axis indices of the most recently stored plane ("follow newest"). */
  newest: z.array(z.number().int()),
  /** Grows on every change of this layer. */
  revision: z.number().int(),
  /** Physical pixel size, when the producer sent one (scale bar, readout units). */
  pixel_size: PixelSizeSchema.optional(),
  /** `labels`: ids of objects, drawn one color per id (0 transparent), never averaged; absent: image. */
  kind: z.enum(IMAGE_DATA_TYPES).optional(),
  /** Where its planes came from (LAYER_ORIGINS); absent: live. */
  origin: z.enum(LAYER_ORIGINS).optional()
});
export type LayerInfo = z.infer<typeof LayerInfoSchema>;

export const ViewerStateSchema = z.object({
  pid: z.number().int(),
  started_at: z.number(),
  /** Grows on every clear, so a client can drop its plane cache. */
  generation: z.number().int(),
  layers: z.array(LayerInfoSchema),
  /** Grows whenever the ROI overlays change (api/rois serves them). */
  rois_revision: z.number().int().optional()
});
export type ViewerState = z.infer<typeof ViewerStateSchema>;

export const ViewerEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('state'), state: ViewerStateSchema }),
  z.object({ type: z.literal('layer'), layer: LayerInfoSchema }),
  z.object({
    type: z.literal('plane'),
    layer: z.string(),
    index: z.array(z.number().int()),
    revision: z.number().int()
  }),
  z.object({ type: z.literal('cleared'), generation: z.number().int() }),
  /** The ROI overlays changed: fetch api/rois again. */
  z.object({ type: z.literal('rois'), revision: z.number().int() }),
  z.object({ type: z.literal('stats'), counters: CountersSchema, images_per_second: z.number() })
]);
export type ViewerEvent = z.infer<typeof ViewerEventSchema>;

/** Response headers of `api/plane`; written by planeHeaders, read by readPlaneHeaders. */
export const PLANE_HEADERS = {
  shape: 'x-plane-shape',
  dtype: 'x-plane-dtype',
  level: 'x-plane-level',
  revision: 'x-plane-revision'
} as const;

/** What the headers of an `api/plane` reply say about the pixels in its body. */
export interface PlaneHeader {
  /** [height, width] of the served level. */
  shape: [number, number];
  dtype: WireDtype;
  /** 0 for full size, k for the plane halved k times. */
  level: number;
  revision: number;
}

/** The PLANE_HEADERS of an `api/plane` reply (server side). */
export function planeHeaders(plane: PlaneHeader): Record<string, string> {
  return {
    [PLANE_HEADERS.shape]: plane.shape.join(','),
    [PLANE_HEADERS.dtype]: plane.dtype,
    [PLANE_HEADERS.level]: String(plane.level),
    [PLANE_HEADERS.revision]: String(plane.revision)
  };
}

/**
 * Read the PLANE_HEADERS of an `api/plane` reply (browser side; `headers` is a fetch
 * Headers). Throws a RangeError naming the headers when shape or dtype is missing or bad;
 * a missing level or revision reads as 0.
 */
export function readPlaneHeaders(headers: { get(name: string): string | null }): PlaneHeader {
  const shapeText = headers.get(PLANE_HEADERS.shape);
  const shape = parsePlaneShape(shapeText);
  const dtype = headers.get(PLANE_HEADERS.dtype);
  if (!shape || !dtype || !(WIRE_DTYPES as readonly string[]).includes(dtype)) {
    throw new RangeError(
      `missing or bad headers ${PLANE_HEADERS.shape}=${shapeText} ${PLANE_HEADERS.dtype}=${dtype}`
    );
  }
  return {
    shape,
    dtype: dtype as WireDtype,
    level: intHeader(headers.get(PLANE_HEADERS.level)) ?? 0,
    revision: intHeader(headers.get(PLANE_HEADERS.revision)) ?? 0
  };
}

/** `H,W` (also tolerates `[H,W]`, `HxW` and extra leading 1-sized dimensions). */
export function parsePlaneShape(text: string | null): [number, number] | null {
  if (!text) return null;
  const dims = text
    .replace(/[[\]\s]/g, '')
    .split(/[,x×]/)
    .filter(s => s !== '')
    .map(Number);
  if (dims.length < 2 || !dims.every(n => Number.isInteger(n) && n > 0)) return null;
  return [dims[dims.length - 2], dims[dims.length - 1]];
}

function intHeader(text: string | null): number | undefined {
  const n = text === null ? NaN : Number(text);
  return Number.isInteger(n) ? n : undefined;
}

export const API_PATHS = {
  state: 'api/state',
  plane: 'api/plane',
  thumbnails: 'api/thumbnails',
  rois: 'api/rois',
  keep: 'api/keep',
  events: 'api/events'
} as const;

/**
 * Reply of `POST api/keep?layer=<key>` ("Keep this run", to compare runs): the layers the run
 * that made `layer` renamed `<key> (<label>)`; the next run of the pipeline streams into new
 * layers of the old names. The only request of the browser API that changes anything (it
 * renames, never removes); 404 for no such layer, 409 when nothing can be kept.
 */
export const KeptRunSchema = z.object({
  run: z.object({ owner: z.string(), id: z.string() }),
  label: z.string(),
  layers: z.array(z.object({ from: z.string(), to: z.string() })),
  skipped: z.array(z.string())
});
export type KeptRunReply = z.infer<typeof KeptRunSchema>;

/**
 * Where a client puts the server's browser token (`pipeline-viewer server connect` prints
 * it). HTTP: the header. Neither `Authorization` nor `token`: Jupyter reads those as its own
 * credentials when the request passes through jupyter-server-proxy.
 */
export const BROWSER_TOKEN_HEADER = 'x-pipeline-viewer-token';

/**
 * The WebSocket `api/events`: a browser cannot set headers there, so the panel offers the
 * subprotocols `eventsSubprotocols(token)` = [EVENTS_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX +
 * token] and the server selects the first (jupyter-server-proxy answers the browser with
 * the first one itself, issue 459 there). Not the URL: jupyter-server-proxy logs the upstream
 * URL, query included, at INFO level ("Trying to establish websocket connection to …").
 * Programs may send the header instead.
 */
export const EVENTS_SUBPROTOCOL = 'pipeline-viewer.events';
export const TOKEN_SUBPROTOCOL_PREFIX = 'pipeline-viewer.token.';

export function eventsSubprotocols(token: string): string[] {
  return [EVENTS_SUBPROTOCOL, `${TOKEN_SUBPROTOCOL_PREFIX}${token}`];
}

/** The token offered in a Sec-WebSocket-Protocol header (comma-separated), or null. */
export function subprotocolToken(header: string | undefined): string | null {
  for (const part of (header ?? '').split(',')) {
    const name = part.trim();
    if (name.startsWith(TOKEN_SUBPROTOCOL_PREFIX))
      return name.slice(TOKEN_SUBPROTOCOL_PREFIX.length);
  }
  return null;
}

/**
 * A query parameter with the token, still accepted on the WebSocket for programs. Browser
 * pages must not use it through jupyter-server-proxy (see above: the URL is logged).
 */
export const BROWSER_TOKEN_PARAM = 'viewer_token';

/**
 * Where a plane sits: axis name → axis value, as listed in `LayerInfo.axes`. Planes are
 * addressed by values, not slider indices: a value inserted before another (well A01
 * arriving after B02) shifts indices, never values, so a request names the same plane
 * however the axes grew between the client's view and the server's answer.
 */
export const PlanePositionSchema = z.partialRecord(
  z.enum(COMPONENTS),
  z.union([z.string(), z.number()])
);
export type PlanePosition = z.infer<typeof PlanePositionSchema>;

/** `base` ends with '/', e.g. `http://host/user/x/proxy/8555/`. */
export function planeUrl(base: string, layer: string, at: PlanePosition, maxSize: number): string {
  const q = new URLSearchParams({
    layer,
    at: JSON.stringify(at),
    max: String(Math.max(1, Math.round(maxSize)))
  });
  return `${base}${API_PATHS.plane}?${q.toString()}`;
}

/**
 * The `at` parameter of `api/plane` (a JSON object, axis name → value). Throws a RangeError
 * saying what is wrong for a missing or malformed one.
 */
export function parsePlanePosition(text: string | null): PlanePosition {
  const example = 'e.g. at={"well":"B02","channel":1}';
  if (text === null) throw new RangeError(`api/plane needs at=<axis values as JSON>, ${example}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RangeError(`api/plane: at=${text.slice(0, 100)} is not JSON; ${example}`);
  }
  const parsed = PlanePositionSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RangeError(
      `api/plane: at=${text.slice(0, 100)} is not an object of axis name (${COMPONENTS.join(', ')}) → string or number: ${issue.message}; ${example}`
    );
  }
  return parsed.data;
}
