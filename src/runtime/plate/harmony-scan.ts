/**
 * A fast reading of a Harmony index, giving what parseHarmonyIndexFully (harmony-index.ts) gives
 * by the same rules, for the plain XML Harmony writes: elements, attributes, text with the
 * predefined and numeric references, comments, an XML declaration. One regular expression reads
 * a whole text-only element (`<Row>3</Row>`, most of an index) or one tag or comment, with the
 * text after it, so the work runs in the regular-expression engine's compiled code rather than
 * character by character in JavaScript: a 16 MB index reads several times faster than through a
 * general parser. It checks what the full parser checks (one root, matching tags, quoted unique
 * attributes, allowed characters and references) and returns null for anything else (CDATA, a
 * DOCTYPE, processing instructions, characters outside the Basic Multilingual Plane, an element
 * inside a kept field, malformed markup): the caller then uses the full parser, which reads it
 * or names the XML error.
 */
import {
  HARMONY_FIELDS,
  newHarmonyRecord,
  type HarmonyField,
  type HarmonyIndex,
  type HarmonyRecord
} from './harmony-record.js';

const NAME = String.raw`[A-Za-z_][\w.:-]*`;
const ATTRIBUTES = String.raw`(?:\s+${NAME}\s*=\s*(?:"[^"<]*"|'[^'<]*'))*`;
/**
 * One step: a text-only element (1 name, 2 attributes, 3 text), or a start tag (1, 2, 4 '/' if
 * it closes itself), or an end tag (5 name), or a comment; then the text up to the next '<' (6).
 */
const STEP = new RegExp(
  String.raw`<(?:(${NAME})(${ATTRIBUTES})\s*(?:>([^<]*)<\/\1\s*>|(\/?)>)|\/(${NAME})\s*>|!--(?:[^-]|-[^-])*-->)([^<]*)`,
  'y'
);
const ATTRIBUTE = new RegExp(String.raw`(${NAME})\s*=\s*(?:"([^"<]*)"|'([^'<]*)')`, 'g');
/** Characters XML forbids, surrogates (left to the full parser), and `]]>` outside CDATA. */
const UNSUPPORTED = /[\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]|]]>/;
/** An `&` that starts no predefined or numeric reference. */
const BAD_AMPERSAND = /&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);)/;
const NUMERIC_REFERENCE = /&#(?:([0-9]+)|x([0-9A-Fa-f]+));/g;
const REFERENCE = /&(?:(amp|lt|gt|quot|apos)|#([0-9]+)|#x([0-9A-Fa-f]+));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const DECLARATION =
  /<\?xml\s+version\s*=\s*(["'])1\.[0-9]+\1(?:\s+encoding\s*=\s*(["'])[A-Za-z][\w.-]*\2)?(?:\s+standalone\s*=\s*(["'])(?:yes|no)\3)?\s*\?>/y;
const WHITESPACE = /^[ \t\n]*$/;

/** Local names the rules compare, as small numbers; the fields' are FIELD + their index. */
const [IMAGES, IMAGE, MAP, ENTRY, PLATE, PLATE_NAME, PLATE_ID, FIELD] = [1, 2, 3, 4, 5, 6, 7, 8];
const KNOWN: [string, number][] = [
  ['Images', IMAGES],
  ['Image', IMAGE],
  ['Map', MAP],
  ['Entry', ENTRY],
  ['Plate', PLATE],
  ['Name', PLATE_NAME],
  ['PlateID', PLATE_ID],
  ...HARMONY_FIELDS.map((name, i): [string, number] => [name, FIELD + i])
];
/** KNOWN by name length: a few string comparisons, quicker than hashing each new name. */
const KNOWN_BY_LENGTH: [string, number][][] = [];
for (const entry of KNOWN) (KNOWN_BY_LENGTH[entry[0].length] ??= []).push(entry);
const knownId = (local: string): number => {
  const candidates = KNOWN_BY_LENGTH[local.length];
  if (candidates !== undefined)
    for (let i = 0; i < candidates.length; i++)
      if (candidates[i][0] === local) return candidates[i][1];
  return 0;
};
const RESOLUTION_X = FIELD + HARMONY_FIELDS.indexOf('ImageResolutionX');
const RESOLUTION_Y = FIELD + HARMONY_FIELDS.indexOf('ImageResolutionY');

export function scanHarmonyIndex(input: string): HarmonyIndex | null {
  let xml = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  if (xml.includes('\r')) xml = xml.replace(/\r\n?/g, '\n'); // XML's end-of-line handling
  if (UNSUPPORTED.test(xml)) return null;
  if (xml.includes('&') && (BAD_AMPERSAND.test(xml) || !numericReferencesAllowed(xml))) return null;
  let at = 0;
  if (xml.startsWith('<?xml')) {
    DECLARATION.lastIndex = 0;
    if (!DECLARATION.test(xml)) return null;
    at = DECLARATION.lastIndex;
  }
  const first = xml.indexOf('<', at);
  if (first < 0 || !WHITESPACE.test(xml.slice(at, first))) return null;
  at = first;

  const images: HarmonyRecord[] = [];
  const channels: HarmonyRecord[] = [];
  let plateName: string | null = null;
  const open: string[] = []; // qualified names of the open elements
  const known: number[] = []; // and their local names, as KNOWN numbers
  let record: HarmonyRecord | null = null;
  let recordDepth = 0;
  // A record's field, or the plate's Name / PlateID, whose text is being read.
  let field: string | null = null;
  let text = '';
  let rooted = false;

  while (at < xml.length) {
    STEP.lastIndex = at;
    const m = STEP.exec(xml);
    if (!m) return null;
    at = STEP.lastIndex;
    const name = m[1];
    const attributes = m[2];
    const leafText = m[3];
    const endName = m[5];
    const after = m[6];
    let closing = endName !== undefined;
    if (name !== undefined) {
      // A start tag, by the opening rules of parseHarmonyIndexFully.
      if (field !== null || (rooted && open.length === 0)) return null;
      if (attributes !== '' && !attributesValid(attributes)) return null;
      rooted = true;
      const colon = name.indexOf(':');
      const local = colon < 0 ? name : name.slice(colon + 1);
      const id = knownId(local);
      const index = id - FIELD;
      const parent = open.length > 0 ? known[known.length - 1] : 0;
      open.push(name);
      known.push(id);
      const depth = open.length;
      if (!record && ((id === IMAGE && parent === IMAGES) || (id === ENTRY && parent === MAP))) {
        record = newHarmonyRecord();
        recordDepth = depth;
        const channel = id === ENTRY ? attributeOf(attributes, 'ChannelID') : undefined;
        if (channel === null) return null;
        if (channel !== undefined) record.ChannelID = channel;
      } else if (record && depth === recordDepth + 1 && index >= 0) {
        field = HARMONY_FIELDS[index]; // the constant: quicker to store under than `local`
        text = '';
        const unitKey =
          id === RESOLUTION_X
            ? 'ImageResolutionXUnit'
            : id === RESOLUTION_Y
              ? 'ImageResolutionYUnit'
              : undefined;
        const unit = unitKey && attributes !== '' ? attributeOf(attributes, 'Unit') : undefined;
        if (unit === null) return null;
        if (unitKey && unit !== undefined) record[unitKey] = unit;
      } else if (!record && (id === PLATE_NAME || id === PLATE_ID) && parent === PLATE) {
        field = 'Name'; // the plate's name: no record's field
        text = '';
      }
      if (leafText !== undefined) {
        if (field !== null) text += leafText.includes('&') ? decode(leafText) : leafText;
        closing = true;
      } else closing = m[4] === '/';
    } else if (closing && endName !== open[open.length - 1]) return null;

    if (closing) {
      // The end of the innermost element, by the closing rules of parseHarmonyIndexFully.
      const depth = open.length;
      const id = known[depth - 1];
      if (field !== null) {
        if (record) record[field as HarmonyField] = trim(text);
        else if (id === PLATE_NAME || plateName === null) plateName = trim(text) || plateName;
        field = null; // a field has no elements inside: its own end is the next one
      }
      if (record && depth === recordDepth) {
        (id === IMAGE ? images : channels).push(record);
        record = null;
      }
      open.pop();
      known.pop();
    }
    if (after !== '') {
      if (open.length === 0) {
        if (!WHITESPACE.test(after)) return null;
      } else if (field !== null) text += after.includes('&') ? decode(after) : after;
    }
  }
  return rooted && open.length === 0 ? { images, channels, plateName } : null;
}

/** String.trim, without a new string for text that has no space around it (nearly all). */
function trim(text: string): string {
  const last = text.length - 1;
  if (last < 0) return text;
  const a = text.charCodeAt(0);
  const b = text.charCodeAt(last);
  return a > 0x20 && a < 0x7f && b > 0x20 && b < 0x7f ? text : text.trim();
}

/** No '&' (left to the full parser) and no name twice. */
function attributesValid(attributes: string): boolean {
  if (attributes.includes('&')) return false;
  if (attributes.indexOf('=') === attributes.lastIndexOf('=')) return true;
  const seen = new Set<string>();
  ATTRIBUTE.lastIndex = 0;
  for (let m = ATTRIBUTE.exec(attributes); m; m = ATTRIBUTE.exec(attributes)) {
    if (seen.has(m[1])) return false;
    seen.add(m[1]);
  }
  return true;
}

/** The value of attribute `name`; null for one XML would normalize (the full parser's job). */
function attributeOf(attributes: string, name: string): string | undefined | null {
  ATTRIBUTE.lastIndex = 0;
  for (let m = ATTRIBUTE.exec(attributes); m; m = ATTRIBUTE.exec(attributes)) {
    if (m[1] !== name) continue;
    const value = m[2] ?? m[3];
    return /[\t\n]/.test(value) ? null : value;
  }
  return undefined;
}

/** Every numeric reference names a character XML allows. */
function numericReferencesAllowed(xml: string): boolean {
  NUMERIC_REFERENCE.lastIndex = 0;
  for (let m = NUMERIC_REFERENCE.exec(xml); m; m = NUMERIC_REFERENCE.exec(xml)) {
    const code = m[1] !== undefined ? Number(m[1]) : parseInt(m[2], 16);
    if (!allowedCharacter(code)) return false;
  }
  return true;
}

const allowedCharacter = (code: number) =>
  code === 0x9 ||
  code === 0xa ||
  code === 0xd ||
  (code >= 0x20 && code <= 0xd7ff) ||
  (code >= 0xe000 && code <= 0xfffd) ||
  (code >= 0x10000 && code <= 0x10ffff);

/** Text with its references replaced (all checked valid up front). */
const decode = (text: string) =>
  text.replace(REFERENCE, (_, named: string, dec: string, hex: string) =>
    named ? NAMED[named] : String.fromCodePoint(dec ? Number(dec) : parseInt(hex, 16))
  );
