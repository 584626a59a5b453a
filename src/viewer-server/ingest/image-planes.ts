/**
 * An image of the wire is one or more 2-D planes: the last two shape entries are
 * (height, width); leading entries map, innermost first, onto z_index, channel and
 * timepoint (TCZYX order, as in OME), numbered from 1. A 2-D image is one plane.
 */
import {
  bytesPerElement,
  elementCount,
  MAX_PLANES_PER_IMAGE,
  type Component,
  type ImageItem
} from '../../protocol/index.js';
import type { NewPlane } from '../model/layer.js';
import { samplePixelRange } from '../pixels/pixel-range.js';

const LEADING: readonly Component[] = ['z_index', 'channel', 'timepoint'];

export class ImageShapeError extends Error {
  override name = 'ImageShapeError';
}

export interface PlanePixels {
  plane: NewPlane;
  /** A view into the image's bytes (no copy). */
  bytes: Uint8Array;
}

export function imagePlanes(item: ImageItem, bytes: Uint8Array): PlanePixels[] {
  const height = item.shape[item.shape.length - 2];
  const width = item.shape[item.shape.length - 1];
  const leading = item.shape.slice(0, -2);
  if (leading.length > LEADING.length) {
    throw new ImageShapeError(
      `image ${item.path}: shape [${item.shape}] has ${item.shape.length} dimensions; at most 5 (t, c, z, y, x) are supported`
    );
  }
  // Innermost leading dimension is z, then channel, then timepoint.
  const components = LEADING.slice(0, leading.length).reverse();
  components.forEach((component, i) => {
    if (
      leading[i] > 1 &&
      item.metadata[component] !== undefined &&
      item.metadata[component] !== null
    ) {
      throw new ImageShapeError(
        `image ${item.path}: dimension ${i} of shape [${item.shape}] is read as ${component}, but metadata.${component} is also set; send one 2-D plane per ${component} or drop the metadata field`
      );
    }
  });
  const planeBytes = height * width * bytesPerElement(item.dtype);
  const count = elementCount(leading);
  // Each plane costs bookkeeping far beyond its pixels: without this bound a 400 KB frame
  // of shape [t, c, z, 1, 1] made 400,000 planes.
  if (count > MAX_PLANES_PER_IMAGE) {
    throw new ImageShapeError(
      `image ${item.path}: shape [${item.shape}] splits into ${count} planes of ${height}×${width}, over MAX_PLANES_PER_IMAGE (${MAX_PLANES_PER_IMAGE}); send the planes as several images`
    );
  }
  const planes: PlanePixels[] = [];
  for (let n = 0; n < count; n++) {
    const metadata: Record<string, unknown> = { ...item.metadata };
    let rest = n;
    for (let i = leading.length - 1; i >= 0; i--) {
      const position = rest % leading[i];
      rest = Math.floor(rest / leading[i]);
      if (leading[i] > 1) metadata[components[i]] = position + 1;
    }
    const view = bytes.subarray(n * planeBytes, (n + 1) * planeBytes);
    planes.push({
      plane: {
        metadata: metadata as ImageItem['metadata'],
        shape: [height, width],
        dtype: item.dtype,
        range: samplePixelRange(item.dtype, view),
        path: item.path,
        imageId: count > 1 ? `${item.image_id}#${n}` : item.image_id,
        ...(item.data_type === 'labels' ? { kind: 'labels' as const } : {})
      },
      bytes: view
    });
  }
  return planes;
}
