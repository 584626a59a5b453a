/**
 * The parts of OME-XML (schema 2016-06) a plate needs: the Plate's wells and well samples, and
 * for each Image its Pixels (sizes, DimensionOrder, type, physical pixel size), channel names
 * and the TiffData that say which page of which file holds each (z, c, t) plane.
 */
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import type { PixelSize } from './plate.js';

type Node = Record<string, unknown>;

export interface OmePlane {
  z: number;
  c: number;
  t: number;
  /** Absolute path of the TIFF holding the plane, and the page (IFD) in it. */
  file: string;
  page: number;
}

export interface OmeImage {
  id: string;
  sizeX: number;
  sizeY: number;
  type: string;
  channelNames: string[];
  pixelSize: PixelSize | null;
  planes: OmePlane[];
}

export interface OmeWellSample {
  /** `A01` */
  well: string;
  /** 1-based rank of the sample in its well, by Index. */
  site: number;
  imageId: string;
}

export interface OmeDocument {
  plateName: string | null;
  samples: OmeWellSample[];
  images: Map<string, OmeImage>;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseAttributeValue: false,
  isArray: name => ['Plate', 'Well', 'WellSample', 'Image', 'Channel', 'TiffData'].includes(name)
});

const UNITS: Record<string, string> = {
  µm: 'micrometer',
  um: 'micrometer',
  nm: 'nanometer',
  mm: 'millimeter',
  cm: 'centimeter',
  m: 'meter',
  Å: 'angstrom'
};
const ROW_LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Parses the OME-XML found in `file` (its first page's description). */
export function parseOmeXml(xml: string, file: string): OmeDocument {
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch (cause) {
    throw new Error(`the OME-XML of '${file}' is not valid XML: ${(cause as Error).message}`, {
      cause
    });
  }
  const ome = doc.OME as Node | undefined;
  if (!ome) throw new Error(`the description of '${file}' is not OME-XML (no <OME> element)`);
  const images = new Map<string, OmeImage>();
  for (const image of (ome.Image as Node[] | undefined) ?? []) {
    const parsed = parseImage(image, file);
    images.set(parsed.id, parsed);
  }
  const plate = (ome.Plate as Node[] | undefined)?.[0];
  const samples: OmeWellSample[] = [];
  for (const well of (plate?.Well as Node[] | undefined) ?? []) {
    const row = Number(well.Row);
    const column = Number(well.Column);
    if (!Number.isInteger(row) || !Number.isInteger(column) || row < 0 || column < 0) {
      throw new Error(`'${file}': OME Well ${String(well.ID)} has no valid Row/Column`);
    }
    const name = `${rowName(row)}${String(column + 1).padStart(2, '0')}`;
    const ordered = [...((well.WellSample as Node[] | undefined) ?? [])].sort(
      (a, b) => Number(a.Index ?? 0) - Number(b.Index ?? 0)
    );
    ordered.forEach((sample, i) => {
      const ref = (sample.ImageRef as Node | undefined)?.ID;
      if (typeof ref === 'string') samples.push({ well: name, site: i + 1, imageId: ref });
    });
  }
  return { plateName: typeof plate?.Name === 'string' ? plate.Name : null, samples, images };
}

function parseImage(image: Node, file: string): OmeImage {
  const id = String(image.ID);
  const pixels = image.Pixels as Node | undefined;
  if (!pixels) throw new Error(`'${file}': OME Image ${id} has no Pixels`);
  const size = (k: string) => {
    const n = Number(pixels[`Size${k}`] ?? 1);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`'${file}': OME Image ${id} has Size${k}="${String(pixels[`Size${k}`])}"`);
    return n;
  };
  const sizes = { Z: size('Z'), C: size('C'), T: size('T') };
  const order = String(pixels.DimensionOrder ?? 'XYZCT').slice(2); // fastest first, e.g. ZCT
  if (!/^(?=.*Z)(?=.*C)(?=.*T)[ZCT]{3}$/.test(order)) {
    throw new Error(
      `'${file}': OME Image ${id} has DimensionOrder "${String(pixels.DimensionOrder)}"`
    );
  }
  const count = sizes.Z * sizes.C * sizes.T;
  /** Plane number k (in dimension order) → z, c, t. */
  const zct = (k: number) => {
    const at: Record<string, number> = {};
    for (const d of order) {
      at[d] = k % sizes[d as 'Z'];
      k = Math.floor(k / sizes[d as 'Z']);
    }
    return { z: at.Z, c: at.C, t: at.T };
  };
  const indexOf = (z: number, c: number, t: number) => {
    const at: Record<string, number> = { Z: z, C: c, T: t };
    let k = 0;
    for (const d of [...order].reverse()) k = k * sizes[d as 'Z'] + at[d];
    return k;
  };
  const planes = new Map<number, OmePlane>();
  const tiffData = (pixels.TiffData as Node[] | undefined) ?? [{}];
  for (const td of tiffData) {
    const uuid = td.UUID as Node | string | undefined;
    const fileName = typeof uuid === 'object' && uuid ? uuid.FileName : undefined;
    const target = typeof fileName === 'string' ? path.resolve(path.dirname(file), fileName) : file;
    const ifd = Number(td.IFD ?? 0);
    const first = indexOf(Number(td.FirstZ ?? 0), Number(td.FirstC ?? 0), Number(td.FirstT ?? 0));
    const explicit = ['IFD', 'FirstZ', 'FirstC', 'FirstT'].some(k => td[k] !== undefined);
    const n = Number(td.PlaneCount ?? (explicit ? 1 : count));
    for (let k = 0; k < n && first + k < count; k++) {
      planes.set(first + k, { ...zct(first + k), file: target, page: ifd + k });
    }
  }
  const channels = (pixels.Channel as Node[] | undefined) ?? [];
  return {
    id,
    sizeX: size('X'),
    sizeY: size('Y'),
    type: String(pixels.Type ?? ''),
    channelNames: channels.map(c => (typeof c.Name === 'string' ? c.Name : '')),
    pixelSize: physicalSize(pixels),
    planes: [...planes.values()]
  };
}

function physicalSize(pixels: Node): PixelSize | null {
  const x = Number(pixels.PhysicalSizeX);
  const y = Number(pixels.PhysicalSizeY ?? pixels.PhysicalSizeX);
  if (!(x > 0) || !(y > 0)) return null;
  const unit = String(pixels.PhysicalSizeXUnit ?? 'µm');
  return { x, y, unit: UNITS[unit] ?? unit };
}

function rowName(i: number): string {
  return i < 26 ? ROW_LETTERS[i] : ROW_LETTERS[Math.floor(i / 26) - 1] + ROW_LETTERS[i % 26];
}
