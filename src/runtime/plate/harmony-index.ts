/**
 * Parses a Harmony index (Index.idx.xml / Index.xml) into flat records: one per
 * `Images/Image` and per `Maps/Map/Entry`, each child element's text under its name (and a
 * `Unit` attribute under `<name>@Unit`), plus the plate's name. A streaming parser (saxes):
 * a 384-well export's index is tens of megabytes, and a tree of it is not needed.
 */
import { SaxesParser } from 'saxes';

export type HarmonyRecord = Record<string, string>;

export interface HarmonyIndex {
  images: HarmonyRecord[];
  /** Maps/Map/Entry records, their ChannelID attribute included. */
  channels: HarmonyRecord[];
  plateName: string | null;
}

/** Local name: `ns:Image` → `Image`. */
const local = (name: string) => name.slice(name.indexOf(':') + 1);

export function parseHarmonyIndex(xml: string): HarmonyIndex {
  const images: HarmonyRecord[] = [];
  const channels: HarmonyRecord[] = [];
  let plateName: string | null = null;
  const path: string[] = [];
  let record: HarmonyRecord | null = null;
  let recordDepth = 0;
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
      record = {};
      recordDepth = path.length;
      const id = node.attributes.ChannelID;
      if (name === 'Entry' && typeof id === 'string') record.ChannelID = id;
    } else if (record && path.length === recordDepth + 1) {
      field = name;
      text = '';
      const unit = node.attributes.Unit;
      if (typeof unit === 'string') record[`${name}@Unit`] = unit;
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
    if (record && field && path.length === recordDepth + 1) record[field] = text.trim();
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
