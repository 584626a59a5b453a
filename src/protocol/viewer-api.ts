/**
 * The browser-facing API of the viewer server: HTTP for state and planes, a WebSocket for
 * live events. The widget reaches it through jupyter-server-proxy at
 * `{baseUrl}proxy/<httpPort>/`, so Jupyter's authentication guards it.
 *
 *   GET  api/state                 → ViewerState (JSON)
 *   GET  api/plane?layer&index&max → plane pixels (binary, see PLANE_HEADERS)
 *   WS   api/events                → ViewerEvent (JSON text frames)
 */
import { z } from 'zod';
import { COLORMAPS } from './components.js';
import { AxisInfoSchema, CountersSchema } from './messages.js';

/** Pixel types sent to the browser; the server converts others to float32. */
export const WIRE_DTYPES = ['uint8', 'uint16', 'float32'] as const;
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
  revision: z.number().int()
});
export type LayerInfo = z.infer<typeof LayerInfoSchema>;

export const ViewerStateSchema = z.object({
  pid: z.number().int(),
  started_at: z.number(),
  /** Grows on every clear, so a client can drop its plane cache. */
  generation: z.number().int(),
  layers: z.array(LayerInfoSchema)
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
  z.object({ type: z.literal('stats'), counters: CountersSchema, images_per_second: z.number() })
]);
export type ViewerEvent = z.infer<typeof ViewerEventSchema>;

/** Response headers of `api/plane`. */
export const PLANE_HEADERS = {
  shape: 'x-plane-shape',
  dtype: 'x-plane-dtype',
  level: 'x-plane-level',
  revision: 'x-plane-revision'
} as const;

export const API_PATHS = { state: 'api/state', plane: 'api/plane', events: 'api/events' } as const;

/** `base` ends with '/', e.g. `http://host/user/x/proxy/8555/`. */
export function planeUrl(base: string, layer: string, index: readonly number[], maxSize: number): string {
  const q = new URLSearchParams({ layer, index: index.join(','), max: String(Math.max(1, Math.round(maxSize))) });
  return `${base}${API_PATHS.plane}?${q.toString()}`;
}

export function parseIndex(text: string | null): number[] | null {
  if (text === null) return null;
  if (text === '') return [];
  const parts = text.split(',').map((s) => Number(s));
  return parts.every((n) => Number.isInteger(n) && n >= 0) ? parts : null;
}
