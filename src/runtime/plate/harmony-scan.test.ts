/**
 * The fast Harmony index scanner against the full XML parser (saxes), which is the reference:
 * on every index the scanner reads, both give the same records; what it does not read (or what
 * is not XML) it leaves to the full parser, which reads it or names the error. The plate-level
 * reading of a Harmony export written by the fixtures' generator is in tests/runtime.
 */
import { parseHarmonyIndex, parseHarmonyIndexFully } from './harmony-index.js';
import { scanHarmonyIndex } from './harmony-scan.js';

const NS = 'http://www.perkinelmer.com/PEHH/HarmonyV5';

interface Style {
  /** Between elements: '' (one line), or '\n' plus indentation per depth. */
  indent?: string;
  prefix?: string;
  crlf?: boolean;
  bom?: boolean;
  declaration?: string;
}

/** A small export's index: 2 wells × 2 fields × 2 channels, channel map, plate name. */
function harmonyXml(style: Style = {}, channelName = (c: number) => `Ch ${c}`): string {
  const p = style.prefix ? `${style.prefix}:` : '';
  const nl = (depth: number) =>
    style.indent === undefined ? '' : '\n' + style.indent.repeat(depth);
  const leaf = (depth: number, tag: string, text: string, attrs = '') =>
    `${nl(depth)}<${p}${tag}${attrs}>${text}</${p}${tag}>`;
  const images: string[] = [];
  for (const [row, col] of [
    [1, 1],
    [2, 3]
  ])
    for (let f = 1; f <= 2; f++)
      for (let c = 1; c <= 2; c++) {
        const url = `r0${row}c0${col}f0${f}p01-ch${c}sk1fk1fl1.tiff`;
        images.push(
          `${nl(2)}<${p}Image Version="1">` +
            leaf(3, 'id', `0${row}0${col}K1F${f}P1R${c}`) +
            leaf(3, 'State', 'Ok') +
            leaf(3, 'URL', url) +
            leaf(3, 'Row', String(row)) +
            leaf(3, 'Col', String(col)) +
            leaf(3, 'FieldID', String(f)) +
            leaf(3, 'PlaneID', '1') +
            leaf(3, 'TimepointID', '0') +
            leaf(3, 'ChannelID', String(c)) +
            leaf(3, 'ChannelName', channelName(c)) +
            leaf(3, 'ImageResolutionX', '6.5E-07', ' Unit="m"') +
            leaf(3, 'ImageResolutionY', '6.5E-07', " Unit='m'") +
            `${nl(3)}<${p}ImageSizeX>32</${p}ImageSizeX>` +
            `${nl(3)}<${p}PositionZ Unit="m"/>` +
            `${nl(2)}</${p}Image>`
        );
      }
  const entries = [1, 2].map(
    c =>
      `${nl(3)}<${p}Entry ChannelID="${c}">` +
      leaf(4, 'ChannelName', channelName(c)) +
      leaf(4, 'ImageResolutionX', '6.5E-07', ' Unit="m"') +
      `${nl(3)}</${p}Entry>`
  );
  let xml =
    (style.declaration ?? '<?xml version="1.0" encoding="utf-8"?>') +
    `\n<${p}EvaluationInputData xmlns${style.prefix ? `:${style.prefix}` : ''}="${NS}" Version="2">` +
    leaf(1, 'User', 'tester') +
    `${nl(1)}<${p}Plates>${nl(2)}<${p}Plate>` +
    leaf(3, 'PlateID', 'P-17') +
    leaf(3, 'Name', ' Screen 4 ') +
    `${nl(2)}</${p}Plate>${nl(1)}</${p}Plates>` +
    `${nl(1)}<${p}Maps>${nl(2)}<${p}Map>${entries.join('')}${nl(2)}</${p}Map>${nl(1)}</${p}Maps>` +
    `${nl(1)}<${p}Images>${images.join('')}${nl(1)}</${p}Images>` +
    `\n</${p}EvaluationInputData>\n`;
  if (style.crlf) xml = xml.replace(/\n/g, '\r\n');
  return (style.bom ? '\uFEFF' : '') + xml;
}

/** Replaces the first `from` of the index with `to`. */
const edited = (from: string, to: string, xml = harmonyXml()) => {
  if (!xml.includes(from)) throw new Error(`test index has no '${from}'`);
  return xml.replace(from, to);
};

describe('scanHarmonyIndex', () => {
  it.each<[string, string]>([
    ['one line', harmonyXml()],
    ['indented', harmonyXml({ indent: '  ' })],
    [
      'tab-indented with CRLF line ends and a BOM',
      harmonyXml({ indent: '\t', crlf: true, bom: true })
    ],
    ['a namespace prefix', harmonyXml({ prefix: 'h', indent: ' ' })],
    [
      "ElementTree's declaration",
      harmonyXml({ declaration: "<?xml version='1.0' encoding='utf-8'?>" })
    ],
    ['no declaration', harmonyXml({ declaration: '' })],
    ['references in text', harmonyXml({}, c => `A&amp;B &lt;${c}&gt; &#181;m &#x3bc;`)],
    ['non-ASCII text', harmonyXml({}, c => `Alexa ${c} µ – ü`)],
    ['a comment inside a field', edited('<URL>', '<URL><!-- moved -->')],
    ['a self-closing field', edited('<ChannelName>Ch 1</ChannelName>', '<ChannelName/>')],
    ['space in end tags', edited('</Row>', '</Row  >')],
    ['text around the fields', edited('<id>', 'stray text<id>')],
    ['elements inside a skipped field', edited('<State>Ok</State>', '<State><a>1</a><b/></State>')]
  ])('reads an index with %s as the full parser does', (_, xml) => {
    const fast = scanHarmonyIndex(xml);
    expect(fast).not.toBeNull();
    expect(fast).toStrictEqual(parseHarmonyIndexFully(xml));
    expect(fast?.images).toHaveLength(8);
  });

  it('keeps the fields the reader uses, their units, the channel map and the plate name', () => {
    const index = scanHarmonyIndex(harmonyXml({ indent: '  ' }));
    expect(index?.plateName).toBe('Screen 4');
    expect(index?.images[7]).toMatchObject({
      id: '0203K1F2P1R2',
      URL: 'r02c03f02p01-ch2sk1fk1fl1.tiff',
      Row: '2',
      Col: '3',
      FieldID: '2',
      ChannelID: '2',
      ChannelName: 'Ch 2',
      ImageResolutionX: '6.5E-07',
      ImageResolutionXUnit: 'm',
      ImageResolutionYUnit: 'm'
    });
    expect(index?.channels.map(c => [c.ChannelID, c.ChannelName])).toEqual([
      ['1', 'Ch 1'],
      ['2', 'Ch 2']
    ]);
  });

  it.each<[string, string]>([
    ['CDATA', edited('<URL>', '<URL><![CDATA[x]]>')],
    [
      'a DOCTYPE',
      edited('\n<EvaluationInputData', '\n<!DOCTYPE EvaluationInputData>\n<EvaluationInputData')
    ],
    ['a processing instruction', edited('<Plates>', '<?pi x?><Plates>')],
    ['a character outside the BMP', harmonyXml({}, () => 'Ch 😀')],
    ['an element inside a kept field', edited('<URL>', '<URL><b>x</b>')],
    ['a tab in a kept attribute', edited(' Unit="m"', ' Unit="m\tx"')],
    ['a reference in an attribute', edited(' Unit="m"', ' Unit="&#109;"')]
  ])('leaves an index with %s to the full parser, which reads it', (_, xml) => {
    expect(scanHarmonyIndex(xml)).toBeNull();
    expect(parseHarmonyIndex(xml)).toStrictEqual(parseHarmonyIndexFully(xml));
  });

  it.each<[string, string]>([
    ['mismatched tags', edited('</Row>', '</Col>')],
    ['an unclosed element', harmonyXml().replace(/<\/EvaluationInputData>\s*$/, '')],
    ['two roots', harmonyXml() + '<Other/>'],
    ['text after the root', harmonyXml() + 'tail'],
    ['an unquoted attribute', edited('Version="1"', 'Version=1')],
    ['a repeated attribute', edited('Version="1"', 'Version="1" Version="2"')],
    ['an unknown entity', edited('<URL>', '<URL>&nbsp;')],
    ['a bare ampersand', edited('<URL>', '<URL>a & b')],
    ['a forbidden character reference', edited('<URL>', '<URL>&#1;')],
    ['a forbidden character', edited('<URL>', '<URL>\u0001')],
    [']]> in text', edited('<URL>', '<URL>]]>')],
    ['-- in a comment', edited('<URL>', '<URL><!-- a -- b -->')],
    ['a < in an attribute', edited('Version="1"', 'Version="<"')],
    ['a bad declaration', edited('version="1.0"', 'version="x"')]
  ])('gives up on %s, which the full parser reports', (_, xml) => {
    expect(scanHarmonyIndex(xml)).toBeNull();
    expect(() => parseHarmonyIndexFully(xml)).toThrow();
    expect(() => parseHarmonyIndex(xml)).toThrow();
  });

  it('never reads a mutated index differently from the full parser (2,000 seeded edits)', () => {
    let seed = 11;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pieces = [
      '<',
      '>',
      '/',
      '&',
      '"',
      "'",
      ' ',
      '=',
      '<!--',
      '-->',
      '<a>',
      '</a>',
      ':',
      ';',
      '\t'
    ];
    const base = harmonyXml({ indent: ' ' });
    let read = 0;
    let leftToParser = 0;
    for (let i = 0; i < 2000; i++) {
      let xml = base;
      for (let k = 0, edits = 1 + random(3); k < edits; k++) {
        const at = random(xml.length);
        const cut = random(3);
        const insert = random(2) === 0 ? pieces[random(pieces.length)] : '';
        xml = xml.slice(0, at) + insert + xml.slice(at + cut);
      }
      const fast = scanHarmonyIndex(xml);
      if (fast === null) {
        leftToParser++;
        continue;
      }
      read++;
      expect({ xml, index: fast }).toStrictEqual({ xml, index: parseHarmonyIndexFully(xml) });
    }
    // Both kinds happen: the comparison above is not empty.
    expect(read).toBeGreaterThan(100);
    expect(leftToParser).toBeGreaterThan(100);
  });
});
