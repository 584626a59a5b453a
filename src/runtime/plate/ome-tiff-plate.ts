/**
 * OME-TIFF plates: `*.ome.tif(f)` files whose first page holds OME-XML with a Plate (wells,
 * well samples = fields) and Images whose TiffData say which page of which file holds each
 * (z, c, t) plane. One file may hold the whole plate (multi-page) or one file per field
 * (multi-file; a file another file's metadata already covers is not parsed again). Listing
 * reads each file's description only; a plane is read (that page of that file) when the
 * orchestrator asks for it. Channel names and pixel size come from Channel@Name and
 * Pixels@PhysicalSizeX/Y.
 */
import type { Dirent } from 'node:fs';
import path from 'node:path';
import { DTYPES, type Dtype } from '../../protocol/index.js';
import { createNdArray, type NdArray } from '../model/image-data.js';
import { readWholeFile } from '../storage/read-file.js';
import { decodeTiff } from '../storage/tiff/tiff-read.js';
import { readTiffDescription } from '../storage/tiff/tiff-description.js';
import type { PixelSize, Plate, PlateImage } from './plate.js';
import { parseOmeXml, type OmeImage } from './ome-xml.js';
import { isTemporaryName, refuseIfBeingWritten, sortPlateImages, wellsOf } from './plate-images.js';
import { OME_TIFF_RE, omeTiffFilesOf } from './plate-signs.js';

interface PageRef {
  file: string;
  page: number;
  image: OmeImage;
}

export async function readOmeTiffPlate(root: string, entries: readonly Dirent[]): Promise<Plate> {
  refuseIfBeingWritten(
    root,
    entries.filter(e => isTemporaryName(e.name)).map(e => path.join(root, e.name))
  );
  const files = omeTiffFilesOf(entries).map(n => path.join(root, n));
  const plainTiffs = entries.filter(
    e =>
      e.isFile() &&
      /\.tiff?$/i.test(e.name) &&
      !OME_TIFF_RE.test(e.name) &&
      !isTemporaryName(e.name)
  );
  if (plainTiffs.length > 0) {
    throw new Error(
      `Plate folder '${root}' mixes OME-TIFF files with ${plainTiffs.length} plain TIFF(s) ('${plainTiffs[0].name}'…); ` +
        'keep one plate per folder (move the plain TIFFs out)'
    );
  }
  const covered = new Set<string>();
  const images: PlateImage[] = [];
  const refs = new Map<string, PageRef>();
  const channelNames: Record<string, string> = {};
  let pixelSize: PixelSize | null = null;
  let plateName: string | null = null;
  for (const file of files) {
    if (covered.has(file)) continue;
    const xml = await readTiffDescription(file).catch((cause: Error) => {
      throw new Error(`OME-TIFF '${file}': cannot read its metadata: ${cause.message}`, { cause });
    });
    if (!xml?.includes('<OME')) {
      throw new Error(
        `OME-TIFF '${file}' has no OME-XML in its first page's description; it is not an OME-TIFF (rename it to .tif)`
      );
    }
    const doc = parseOmeXml(xml, file);
    if (doc.samples.length === 0) {
      throw new Error(
        `OME-TIFF '${file}' has no Plate with wells in its OME-XML, so its well and field are unknown; ` +
          "read such files with readPlate(dir, { pattern: '{well}_f{site}.ome.tif' })"
      );
    }
    plateName ??= doc.plateName;
    for (const sample of doc.samples) {
      const image = doc.images.get(sample.imageId);
      if (!image) {
        throw new Error(
          `OME-TIFF '${file}': well ${sample.well} field ${sample.site} refers to ${sample.imageId}, which the OME-XML does not describe`
        );
      }
      image.channelNames.forEach((n, c) => {
        if (n) channelNames[String(c + 1)] ??= n;
      });
      pixelSize ??= image.pixelSize;
      for (const plane of image.planes) {
        covered.add(plane.file);
        const imagePath = `${plane.file} [page ${plane.page}]`;
        refs.set(imagePath, { file: plane.file, page: plane.page, image });
        images.push({
          path: imagePath,
          well: sample.well,
          site: sample.site,
          channel: plane.c + 1,
          z_index: plane.z + 1,
          timepoint: plane.t + 1
        });
      }
    }
  }
  const sorted = sortPlateImages(root, images);
  return {
    root,
    name: plateName ?? path.basename(root),
    format: 'ome-tiff',
    wells: wellsOf(sorted),
    images: sorted,
    channelNames,
    pixelSize,
    pixels: { load: paths => loadPages(refs, paths) }
  };
}

/** Reads each file once for all its pages asked for; planes come back in the order asked. */
async function loadPages(refs: Map<string, PageRef>, paths: readonly string[]): Promise<NdArray[]> {
  const byFile = new Map<string, { ref: PageRef; at: number }[]>();
  paths.forEach((p, at) => {
    const ref = refs.get(p);
    if (!ref) throw new Error(`this OME-TIFF plate has no image '${p}'`);
    const list = byFile.get(ref.file) ?? [];
    list.push({ ref, at });
    byFile.set(ref.file, list);
  });
  const out: NdArray[] = new Array<NdArray>(paths.length);
  for (const [file, wanted] of byFile) {
    const bytes = await readWholeFile(file).catch((cause: Error) => {
      throw new Error(`OME-TIFF '${file}': cannot read it: ${cause.message}`, { cause });
    });
    let stack: NdArray;
    try {
      stack = decodeTiff(
        bytes,
        wanted.map(w => w.ref.page)
      );
    } catch (cause) {
      throw new Error(
        `OME-TIFF '${file}': cannot read page(s) ${wanted.map(w => w.ref.page).join(', ')}: ${(cause as Error).message}`,
        { cause }
      );
    }
    const [ny, nx] = stack.shape.slice(-2);
    const size = ny * nx;
    wanted.forEach(({ ref, at }, i) => {
      const image = ref.image;
      if (ny !== image.sizeY || nx !== image.sizeX) {
        throw new Error(
          `OME-TIFF '${file}' page ${ref.page} is ${nx}×${ny} pixels but its OME-XML (${image.id}) says ` +
            `${image.sizeX}×${image.sizeY}; the file and its metadata disagree: rewrite the file`
        );
      }
      const dtype = stack.dtype;
      if (image.type && image.type !== dtype && DTYPES.includes(image.type as Dtype)) {
        throw new Error(
          `OME-TIFF '${file}' page ${ref.page} holds ${dtype} pixels but its OME-XML says ${image.type}; rewrite the file`
        );
      }
      out[at] = createNdArray(stack.data.subarray(i * size, (i + 1) * size), [ny, nx], dtype);
    });
  }
  return out;
}
