/**
 * Reads a Harmony index (Index.idx.xml / Index.xml) into records (harmony-record.ts). A 384-well
 * export's index is tens of megabytes: the fast scanner (harmony-scan.ts) reads the plain XML
 * Harmony writes, and anything beyond it (CDATA, a DOCTYPE, characters outside the Basic
 * Multilingual Plane, malformed XML) goes to the full streaming parser (saxes) here, which gives
 * the same records or names the XML error.
 */
import { SaxesParser } from 'saxes';
import { scanHarmonyIndex } from './harmony-scan.js';
import {
  HARMONY_FIELDS,
  newHarmonyRecord,
  UNIT_OF,
  type HarmonyField,
  type HarmonyIndex,
  type HarmonyRecord
} from './harmony-record.js';

export type { HarmonyIndex, HarmonyRecord } from './harmony-record.js';

const FIELDS = new Set<string>(HARMONY_FIELDS);

export function parseHarmonyIndex(xml: string): HarmonyIndex {
  return scanHarmonyIndex(xml) ?? parseHarmonyIndexFully(xml);
}

/** Local name: `ns:Image` → `Image`. */
const local = (name: string) => name.slice(name.indexOf(':') + 1);

/**
 * The full XML parser's reading: used when the fast scanner gives up, and the reference it is
 * tested against (harmony-scan.ts follows these rules step by step).
 */
export function parseHarmonyIndexFully(xml: string): HarmonyIndex {
  const images: HarmonyRecord[] = [];
  const channels: HarmonyRecord[] = [];
  let plateName: string | null = null;
  const path: string[] = [];
  let record: HarmonyRecord | null = null;
  let recordDepth = 0;
  // A record's field, or the plate's Name / PlateID, whose text is being read.
  let field: string | null = null;
  let text = '';
  const parser = new SaxesParser({ position: false });
  parser.on('opentag', node => {
    const name = local(node.name);
    const parent = path[path.length - 1];
    path.push(name);
    if (
      !record &&
      ((name === 'Image' && parent === 'Images') || (name === 'Entry' && parent === 'Map'))
    ) {
      record = newHarmonyRecord();
      recordDepth = path.length;
      const id = node.attributes.ChannelID;
      if (name === 'Entry' && typeof id === 'string') record.ChannelID = id;
    } else if (record && path.length === recordDepth + 1 && FIELDS.has(name)) {
      field = name;
      text = '';
      const unit = node.attributes.Unit;
      const unitKey = UNIT_OF[name];
      if (unitKey && typeof unit === 'string') record[unitKey] = unit;
    } else if (!record && (name === 'Name' || name === 'PlateID') && parent === 'Plate') {
      field = name;
      text = '';
    }
  });
  parser.on('text', t => {
    if (field) text += t;
  });
  parser.on('closetag', node => {
    const name = local(node.name);
    if (record && field && path.length === recordDepth + 1)
      record[field as HarmonyField] = text.trim();
    else if (!record && field && (name === 'Name' || (name === 'PlateID' && plateName === null)))
      plateName = text.trim() || plateName;
    if (field === name) field = null;
    if (record && path.length === recordDepth) {
      (name === 'Image' ? images : channels).push(record);
      record = null;
    }
    path.pop();
  });
  parser.write(xml).close();
  return { images, channels, plateName };
}
