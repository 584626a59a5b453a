/**
 * Messages between producers (pipeline runs, `show()`) and the viewer server, validated with
 * zod on arrival. The shapes follow OpenHCS's JSON batch (see docs/protocol.md) so its Python
 * producers can be served on the same data port.
 */
import { z } from 'zod';
import { COLORMAPS, COMPONENTS } from './components.js';
import { DTYPES } from './dtype.js';
import { MAX_AXIS_VALUES, MAX_IMAGES_PER_MESSAGE } from './limits.js';

/** Bounds of a run tag's fields (they are stored with every plane). */
const MAX_OWNER_CHARS = 300;
const MAX_RUN_ID_CHARS = 100;
import { SHM_NAME_PATTERN } from './shm.js';

const componentValue = z.union([z.string(), z.number(), z.null()]);

/** Where an image came from inside the plate. Unknown keys are kept (forward compatible). */
export const ImageMetadataSchema = z.looseObject({
  source: z.string().min(1).optional(),
  well: componentValue.optional(),
  site: componentValue.optional(),
  channel: componentValue.optional(),
  z_index: componentValue.optional(),
  timepoint: componentValue.optional(),
  plate: z.string().optional()
});
export type ImageMetadata = z.infer<typeof ImageMetadataSchema>;

const shape = z.array(z.number().int().positive()).min(2).max(6);

/** What an image's pixels are: intensities, or label ids (never averaged, colored per id). */
export const IMAGE_DATA_TYPES = ['image', 'labels'] as const;
export type ImageDataType = (typeof IMAGE_DATA_TYPES)[number];

/**
 * One image of a batch. Pixels are in exactly one place:
 * `shm_name` (a shared-memory segment of exactly nbytes, C order, no header),
 * `data` (inline nested or flat numbers, only for ≤ INLINE_MAX_BYTES), or
 * `frame` (index of a raw multipart frame following the header, 1-based).
 */
export const ImageItemSchema = z
  .object({
    path: z.string(),
    shape,
    dtype: z.enum(DTYPES),
    /** `labels`: integer ids of segmented objects (0 = background), drawn as a labels layer. */
    data_type: z.enum(IMAGE_DATA_TYPES).default('image'),
    image_id: z.string().min(1),
    metadata: ImageMetadataSchema.default({}),
    shm_name: z.string().regex(SHM_NAME_PATTERN, 'shm_name must look like plv_<hex>').optional(),
    data: z.array(z.unknown()).optional(),
    frame: z.number().int().min(1).optional()
  })
  .refine(
    item => [item.shm_name, item.data, item.frame].filter(x => x !== undefined).length === 1,
    { message: 'an image needs exactly one of shm_name, data or frame' }
  );
export type ImageItem = z.infer<typeof ImageItemSchema>;

const componentModes = z.partialRecord(z.enum(COMPONENTS), z.enum(['stack', 'slice']));

export const DisplayConfigSchema = z.object({
  component_modes: componentModes.default({}),
  component_order: z.array(z.enum(COMPONENTS)).optional(),
  colormap: z.enum(COLORMAPS).default('gray'),
  variable_size_handling: z.enum(['pad_to_max', 'separate_layers']).default('pad_to_max')
});
export type DisplayConfig = z.infer<typeof DisplayConfigSchema>;

/** Names of component values, e.g. `{ channel: { "1": "DAPI" } }`. */
export const ComponentNamesSchema = z.partialRecord(
  z.enum(COMPONENTS),
  z.record(z.string(), z.string())
);
export type ComponentNames = z.infer<typeof ComponentNamesSchema>;

/**
 * Physical size of one pixel, from the plate's metadata (Harmony, OME, ImageXpress HTD…).
 * Drives the scale bar and the readout's physical units; absent when unknown.
 */
export const PixelSizeSchema = z.object({
  x: z.number().positive().finite(),
  y: z.number().positive().finite(),
  /** A length unit as in OME-NGFF, e.g. "micrometer". */
  unit: z.string().min(1).max(32).default('micrometer')
});
export type PixelSize = z.infer<typeof PixelSizeSchema>;

/**
 * Who made a batch: `owner` names the producer (a notebook session + pipeline, or one
 * `show()`), `id` one run of it. The server remembers both per plane, so `clear_owner`
 * removes only that owner's planes of earlier runs (docs/protocol.md "Ownership").
 */
export const RunTagSchema = z.object({
  owner: z.string().min(1).max(MAX_OWNER_CHARS),
  id: z.string().min(1).max(MAX_RUN_ID_CHARS)
});
export type RunTag = z.infer<typeof RunTagSchema>;

/** A batch: all selected outputs of one step in one well, or one manual `show()`. */
export const BatchMessageSchema = z.object({
  type: z.literal('batch'),
  version: z.number().int().optional(),
  images: z.array(ImageItemSchema).max(MAX_IMAGES_PER_MESSAGE),
  display_config: DisplayConfigSchema.default({
    component_modes: {},
    colormap: 'gray',
    variable_size_handling: 'pad_to_max'
  }),
  component_names_metadata: ComponentNamesSchema.default({}),
  /** A layer name forced by `show(array, {name})`; overrides the slice-mode key. */
  layer_name: z.string().min(1).max(200).optional(),
  /**
   * OpenHCS 0.8.6: every value of each component the run will send, declared up front, so
   * the axes are laid out before the images arrive (sliders do not shift).
   */
  component_value_domain: z
    .partialRecord(
      z.enum(COMPONENTS),
      z.array(z.union([z.string(), z.number()])).max(MAX_AXIS_VALUES)
    )
    .optional(),
  /** Pixel size of every image of the batch, when the plate declares it. */
  pixel_size: PixelSizeSchema.optional(),
  /** The producer and run; untagged batches (OpenHCS) belong to no owner. */
  run: RunTagSchema.optional(),
  timestamp: z.number().optional()
});
export type BatchMessage = z.infer<typeof BatchMessageSchema>;
export type BatchMessageInput = z.input<typeof BatchMessageSchema>;

/** Reply on the data socket, sent for every message, also a malformed one (OpenHCS mistake 3). */
export const BatchReplySchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    type: z.literal('batch'),
    accepted: z.number().int(),
    rejected: z.number().int().default(0),
    /** Stored planes of another owner (or of no owner) that this message's planes replaced. */
    replaced: z.number().int().optional()
  }),
  z.object({ status: z.literal('error'), type: z.literal('batch'), error: z.string() })
]);
export type BatchReply = z.infer<typeof BatchReplySchema>;

// ---- control channel (data port + 1000) ----

/**
 * `auth`: the server's control secret (its record in the owner's viewer home,
 * protocol/node/server-record.ts). ping is open; status, clear_state and shutdown without
 * the right secret get an error reply and do nothing.
 */
const auth = z.string().max(256).optional();
export const ControlRequestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping') }),
  z.object({ type: z.literal('status'), auth }),
  z.object({ type: z.literal('clear_state'), auth }),
  /** Removes the planes of `owner`'s runs other than `except_run`; nothing of other owners. */
  z.object({
    type: z.literal('clear_owner'),
    auth,
    owner: z.string().min(1).max(MAX_OWNER_CHARS),
    except_run: z.string().min(1).max(MAX_RUN_ID_CHARS).optional()
  }),
  z.object({ type: z.literal('shutdown'), auth }),
  /** Shows the plate folder at `path` (absolute, on the server's machine) as a layer from disk. */
  z.object({ type: z.literal('open_plate'), auth, path: z.string().min(1).max(4096) })
]);
export type ControlRequest = z.infer<typeof ControlRequestSchema>;

export const AxisInfoSchema = z.object({
  name: z.enum(COMPONENTS),
  values: z.array(z.union([z.string(), z.number()])),
  labels: z.array(z.string())
});
export type AxisInfo = z.infer<typeof AxisInfoSchema>;

/**
 * Where a layer's planes came from: streamed by a producer (`live`), opened from a plate on
 * disk (`disk`), or brought back from the server's layer store at start (`restored`, until a
 * live image arrives in it). Absent means live.
 */
export const LAYER_ORIGINS = ['live', 'disk', 'restored'] as const;
export type LayerOrigin = (typeof LAYER_ORIGINS)[number];

export const LayerSummarySchema = z.object({
  key: z.string(),
  dtype: z.enum(DTYPES),
  /** Plane shape [height, width] after padding. */
  shape: z.array(z.number().int()),
  axes: z.array(AxisInfoSchema),
  image_count: z.number().int(),
  colormap: z.enum(COLORMAPS),
  pixel_size: PixelSizeSchema.optional(),
  /** `labels` for a labels layer (ids, not intensities). */
  kind: z.enum(IMAGE_DATA_TYPES).optional(),
  origin: z.enum(LAYER_ORIGINS).optional()
});
export type LayerSummary = z.infer<typeof LayerSummarySchema>;

export const CountersSchema = z.object({
  messages: z.number(),
  images: z.number(),
  bytes: z.number(),
  dropped: z.number(),
  errors: z.number(),
  /** Shared-memory names not copied out (planted, foreign, wrong size, over budget...). */
  segments_refused: z.number().optional(),
  /** The same by reason (SegmentRefusal in protocol/node/shm.ts), only reasons seen. */
  segments_refused_reasons: z.record(z.string(), z.number()).optional(),
  /** Browser API requests refused (no or wrong token, foreign Host, other Origin); status only. */
  browser_refused: z.number().optional(),
  /** The same by reason: host, origin, token, frame (only reasons seen). */
  browser_refused_reasons: z.record(z.string(), z.number()).optional(),
  /** ZeroMQ peers refused (not ZeroMQ 3, e.g. HTTP bytes; not loopback; IPC of another uid). */
  peers_refused: z.number().optional(),
  /** The same by reason: no_handshake, not_loopback, foreign_uid (only reasons seen). */
  peers_refused_reasons: z.record(z.string(), z.number()).optional(),
  /** Remote producers let in on the CURVE data socket (`--remote`), by address (host). */
  remote_producers: z.record(z.string(), z.number()).optional(),
  /** Control requests without the server's secret (refused). */
  control_unauthorized: z.number().optional(),
  /** Pickled control requests outside the safe subset (GLOBAL, REDUCE…) or malformed: refused. */
  control_pickles_refused: z.number().optional(),
  /** Per-image acks to OpenHCS's ack port sent, and dropped (no listener, queue full). */
  openhcs_acks_sent: z.number().optional(),
  openhcs_acks_dropped: z.number().optional()
});
export type Counters = z.infer<typeof CountersSchema>;

export const ServerStatusSchema = z.object({
  pid: z.number().int(),
  version: z.number().int(),
  started_at: z.number(),
  ports: z.object({ data: z.number(), control: z.number(), http: z.number() }),
  layers: z.array(LayerSummarySchema),
  counters: CountersSchema,
  memory: z.object({
    budget_bytes: z.number(),
    resident_bytes: z.number(),
    spilled_planes: z.number()
  }),
  /** The layer store on disk (docs/viewer-server.md, Persistent layers). */
  store: z
    .object({
      dir: z.string(),
      /** Pixels plus per-plane overhead of every plane, saved or about to be. */
      stored_bytes: z.number(),
      /** --store-limit; null when unbounded (an embedded server without one). */
      limit_bytes: z.number().nullable(),
      /** Planes not yet (or not again) written: 0 means all is saved. */
      unsaved_planes: z.number()
    })
    .optional()
});
export type ServerStatus = z.infer<typeof ServerStatusSchema>;

export const ControlReplySchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('pong'),
    ready: z.boolean(),
    server: z.string(),
    viewer: z.string(),
    pid: z.number().int(),
    version: z.number().int(),
    port: z.number(),
    control_port: z.number(),
    http_port: z.number(),
    /** The server's owner: a client tells another user's server on its port from its own. */
    uid: z.number().int().optional(),
    /**
     * Pixel transports the server reads besides inline data ('segment', 'ring', 'frames';
     * docs/protocol.md, "Transports"). Absent from older servers: segments and frames only.
     */
    transports: z.array(z.string().max(40)).max(16).optional()
  }),
  z.object({ type: z.literal('status'), status: ServerStatusSchema }),
  z.object({ type: z.literal('clear_state_ack'), status: z.literal('success') }),
  z.object({
    type: z.literal('clear_owner_ack'),
    status: z.literal('success'),
    /** Planes removed, and layers removed because none of their planes was left. */
    planes: z.number().int(),
    layers: z.number().int()
  }),
  z.object({ type: z.literal('shutdown_ack') }),
  /** The plate is open: its layer's key, as api/state lists it. */
  z.object({ type: z.literal('open_plate_ack'), layer: z.string() }),
  z.object({ type: z.literal('error'), error: z.string() })
]);
export type ControlReply = z.infer<typeof ControlReplySchema>;
