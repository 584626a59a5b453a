/**
 * ROI overlays: OpenHCS's ROI items (`data_type: "shapes" | "points"`, napari vector
 * payloads made by polystore's `NapariROIConverter.rois_to_shapes`) and the browser's
 * `GET api/rois`, which serves every stored set. Coordinates are [y, x] in image pixels of
 * the full-resolution plane; a set belongs to one layer and one position (well, site, …).
 */
import { z } from 'zod';
import { ImageMetadataSchema } from './messages.js';

/** Shapes in one ROI item; vertices of one shape (bounds a message's drawing work). */
export const MAX_ROI_SHAPES = 100_000;
export const MAX_ROI_VERTICES = 10_000;
/** Shapes the server holds over all sets; beyond, the oldest sets are dropped. */
export const MAX_STORED_ROI_SHAPES = 1_000_000;

/** napari's shape types as polystore sends them ('path' is a polyline). */
export const ROI_SHAPE_TYPES = [
  'polygon',
  'path',
  'ellipse',
  'rectangle',
  'line',
  'points'
] as const;
export type RoiShapeType = (typeof ROI_SHAPE_TYPES)[number];

const point = z.tuple([z.number().finite(), z.number().finite()]);

export const RoiShapeSchema = z.looseObject({
  type: z.enum(ROI_SHAPE_TYPES),
  /** [y, x] vertices; an ellipse or a rectangle gives its four bounding-box corners. */
  coordinates: z.array(point).min(1).max(MAX_ROI_VERTICES),
  /** OpenHCS: label, area, centroid of the object. */
  metadata: z.looseObject({ label: z.unknown().optional() }).optional()
});
export type RoiShape = z.infer<typeof RoiShapeSchema>;

/** One ROI item of a batch, as OpenHCS 0.8.6 sends it. */
export const RoiItemSchema = z.looseObject({
  data_type: z.enum(['shapes', 'points']),
  path: z.string().optional(),
  shapes: z.array(RoiShapeSchema).max(MAX_ROI_SHAPES),
  metadata: ImageMetadataSchema.default({}),
  image_id: z.string().optional()
});
export type RoiItem = z.infer<typeof RoiItemSchema>;

const AxisValueSchema = z.union([z.string(), z.number()]);

/** One stored set of shapes: an item's shapes, for one layer at one position. */
export const RoiSetSchema = z.object({
  /** The image layer it belongs to (the same key images of that producer get). */
  layer: z.string(),
  kind: z.enum(['shapes', 'points']),
  path: z.string(),
  /** Stack-axis values the set belongs to (axis name → value, as api/state's axes). */
  at: z.record(z.string(), AxisValueSchema),
  shapes: z.array(
    z.object({
      type: z.enum(ROI_SHAPE_TYPES),
      coordinates: z.array(point),
      label: z.string().optional()
    })
  )
});
export type RoiSet = z.infer<typeof RoiSetSchema>;

/** `GET api/rois`. */
export const RoiOverlaysSchema = z.object({
  revision: z.number().int(),
  sets: z.array(RoiSetSchema)
});
export type RoiOverlays = z.infer<typeof RoiOverlaysSchema>;
