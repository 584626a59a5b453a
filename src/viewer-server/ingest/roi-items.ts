/**
 * OpenHCS puts ROI items (`data_type: "shapes" | "points"`, with a `shapes` list) into the
 * same batches as images. They are taken out before the batch is validated (the image
 * schema does not fit them) and checked on their own: a valid one becomes an overlay
 * (model/roi-store.ts), a malformed one is rejected with the reason, never failing the
 * images beside it.
 */
import { z } from 'zod';
import { isShmName, RoiItemSchema, type RoiItem } from '../../protocol/index.js';

const RoiKindSchema = z.looseObject({
  data_type: z.enum(['shapes', 'points']),
  path: z.string().optional(),
  shm_name: z.string().optional()
});
const LooseBatchSchema = z.looseObject({ images: z.array(z.unknown()) });

export interface SetAsideRoi {
  index: number;
  path: string;
  kind: 'shapes' | 'points';
  /** A segment the item named (ROIs normally carry none); it must still be unlinked. */
  shmName?: string;
  /** The item, when it is well-formed. */
  item?: RoiItem;
  /** What is wrong with it, when it is not. */
  error?: string;
}

/** The parsed header without its ROI items, or null when it has none. */
export function setAsideRois(raw: unknown): { header: unknown; rois: SetAsideRoi[] } | null {
  const batch = LooseBatchSchema.safeParse(raw);
  if (!batch.success) return null; // validateBatch reports what is wrong
  const rois: SetAsideRoi[] = [];
  const images = batch.data.images.filter((item, index) => {
    const roi = RoiKindSchema.safeParse(item);
    if (!roi.success) return true;
    const shmName =
      roi.data.shm_name !== undefined && isShmName(roi.data.shm_name)
        ? roi.data.shm_name
        : undefined;
    const parsed = RoiItemSchema.safeParse(item);
    rois.push({
      index,
      path: roi.data.path ?? '(no path)',
      kind: roi.data.data_type,
      shmName,
      ...(parsed.success
        ? { item: parsed.data }
        : {
            error: `malformed ROI item: ${parsed.error.issues
              .slice(0, 3)
              .map(i => `${i.path.join('.') || '(item)'}: ${i.message}`)
              .join(
                '; '
              )} (expected shapes: [{type, coordinates: [[y, x], …]}] as polystore's NapariROIConverter sends)`
          })
    });
    return false;
  });
  if (rois.length === 0) return null;
  return { header: { ...batch.data, images }, rois };
}
