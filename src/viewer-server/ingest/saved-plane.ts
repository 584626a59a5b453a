/**
 * What the layer store saves with each plane (the `pipeline_viewer` attributes of its zarr
 * array, pixels/spill-store.ts) so a restarted server rebuilds the same layer: the layer
 * key, the plane's revision, the image as it arrived and the batch's display settings.
 * Read back through a schema: attributes a server cannot use are reported, never guessed.
 */
import { z } from 'zod';
import {
  ComponentNamesSchema,
  COMPONENTS,
  DisplayConfigSchema,
  DTYPES,
  IMAGE_DATA_TYPES,
  ImageMetadataSchema,
  MAX_AXIS_VALUES,
  PixelSizeSchema,
  RunTagSchema
} from '../../protocol/index.js';
import type { LayerConfig } from '../model/layer-store.js';
import type { NewPlane, PlaneRef } from '../model/layer.js';

const SavedPlaneSchema = z.object({
  key: z.string().min(1),
  revision: z.number().int().positive(),
  image: z.object({
    metadata: ImageMetadataSchema,
    dtype: z.enum(DTYPES),
    range: z.tuple([z.number(), z.number()]),
    path: z.string(),
    image_id: z.string(),
    /** `labels` layers come back as labels (integer ids, never averaged); absent: an image. */
    kind: z.enum(IMAGE_DATA_TYPES).optional()
  }),
  display: DisplayConfigSchema,
  names: ComponentNamesSchema,
  pixel_size: PixelSizeSchema.optional(),
  run: RunTagSchema.optional(),
  domain: z
    .partialRecord(
      z.enum(COMPONENTS),
      z.array(z.union([z.string(), z.number()])).max(MAX_AXIS_VALUES)
    )
    .optional(),
  /** Set when the user kept this run (compare runs): clear_owner leaves the plane alone. */
  kept: z.boolean().optional()
});
export type SavedPlane = z.infer<typeof SavedPlaneSchema>;

/** The attributes to save for `plane`, stored in layer `key` from `image` with `config`. */
export function savedPlane(
  key: string,
  plane: PlaneRef,
  image: NewPlane,
  config: LayerConfig
): SavedPlane {
  return {
    key,
    revision: plane.revision,
    image: {
      metadata: image.metadata,
      dtype: image.dtype,
      range: [...image.range],
      path: image.path,
      image_id: image.imageId,
      ...(image.kind === 'labels' ? { kind: image.kind } : {})
    },
    display: config.display,
    names: config.names,
    ...(config.pixelSize ? { pixel_size: config.pixelSize } : {}),
    ...(config.run ? { run: config.run } : {}),
    ...(config.domain ? { domain: config.domain as SavedPlane['domain'] } : {})
  };
}

/** The plane and config to restore, or why `attributes` cannot be restored. */
export function readSavedPlane(
  attributes: unknown,
  shape: [number, number]
): { saved: SavedPlane; image: NewPlane; config: LayerConfig } | string {
  const parsed = SavedPlaneSchema.safeParse(attributes);
  if (!parsed.success)
    return `its attributes are not a saved plane (${parsed.error.issues
      .slice(0, 3)
      .map(i => `${i.path.join('.')}: ${i.message}`)
      .join('; ')})`;
  const saved = parsed.data;
  const image: NewPlane = {
    metadata: saved.image.metadata,
    shape,
    dtype: saved.image.dtype,
    range: saved.image.range,
    path: saved.image.path,
    imageId: saved.image.image_id,
    ...(saved.image.kind ? { kind: saved.image.kind } : {})
  };
  const config: LayerConfig = {
    display: saved.display,
    names: saved.names,
    pixelSize: saved.pixel_size,
    run: saved.run,
    domain: saved.domain
  };
  return { saved, image, config };
}
