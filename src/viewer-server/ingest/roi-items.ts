/**
 * OpenHCS puts ROI items (`data_type: "shapes" | "points"`, with a `shapes` list) into the
 * same batches as images. This viewer does not draw ROIs yet, so they are set aside and
 * reported as rejected with that reason, instead of failing the images beside them.
 */
import { z } from 'zod';
import { isShmName } from '../../protocol/index.js';

const RoiItemSchema = z.looseObject({
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
}

/** The parsed header without its ROI items, or null when it has none. */
export function setAsideRois(raw: unknown): { header: unknown; rois: SetAsideRoi[] } | null {
  const batch = LooseBatchSchema.safeParse(raw);
  if (!batch.success) return null; // validateBatch reports what is wrong
  const rois: SetAsideRoi[] = [];
  const images = batch.data.images.filter((item, index) => {
    const roi = RoiItemSchema.safeParse(item);
    if (!roi.success) return true;
    const shmName =
      roi.data.shm_name !== undefined && isShmName(roi.data.shm_name)
        ? roi.data.shm_name
        : undefined;
    rois.push({ index, path: roi.data.path ?? '(no path)', kind: roi.data.data_type, shmName });
    return false;
  });
  if (rois.length === 0) return null;
  return { header: { ...batch.data, images }, rois };
}
