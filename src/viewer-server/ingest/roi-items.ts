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

/** The header without its ROI items, or null when it has none (or is not even JSON). */
export function setAsideRois(
  header: Uint8Array | undefined
): { header: Uint8Array; rois: SetAsideRoi[] } | null {
  if (header === undefined) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(
      Buffer.from(header.buffer, header.byteOffset, header.byteLength).toString('utf8')
    );
  } catch {
    return null; // decodeBatch reports the syntax error
  }
  const batch = LooseBatchSchema.safeParse(raw);
  if (!batch.success) return null;
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
  return { header: new TextEncoder().encode(JSON.stringify({ ...batch.data, images })), rois };
}
