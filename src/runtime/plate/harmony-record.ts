/**
 * What reading a Harmony index gives (harmony-index.ts, harmony-scan.ts): one record per
 * `Images/Image` and per `Maps/Map/Entry`, with the text of each field the reader
 * (harmony-plate.ts) uses, and the plate's name.
 */

/** The child elements of an Image or Entry the reader uses; other elements are skipped. */
export const HARMONY_FIELDS = [
  'id',
  'URL',
  'Row',
  'Col',
  'FieldID',
  'PlaneID',
  'TimepointID',
  'ChannelID',
  'ChannelName',
  'ImageResolutionX',
  'ImageResolutionY'
] as const;
export type HarmonyField = (typeof HARMONY_FIELDS)[number];
type HarmonyUnit = 'ImageResolutionXUnit' | 'ImageResolutionYUnit';

/**
 * A field's text (undefined when absent; an Entry's ChannelID is its attribute), and the Unit
 * attribute of the two resolutions. Every record has all these keys, so all records share one
 * shape: much faster to fill, 41,472 times, than objects that grow key by key.
 */
export type HarmonyRecord = Record<HarmonyField | HarmonyUnit, string | undefined>;

export interface HarmonyIndex {
  images: HarmonyRecord[];
  /** Maps/Map/Entry records. */
  channels: HarmonyRecord[];
  plateName: string | null;
}

export function newHarmonyRecord(): HarmonyRecord {
  return {
    id: undefined,
    URL: undefined,
    Row: undefined,
    Col: undefined,
    FieldID: undefined,
    PlaneID: undefined,
    TimepointID: undefined,
    ChannelID: undefined,
    ChannelName: undefined,
    ImageResolutionX: undefined,
    ImageResolutionY: undefined,
    ImageResolutionXUnit: undefined,
    ImageResolutionYUnit: undefined
  };
}

/** Where a field's Unit attribute is kept, for the fields whose unit the reader uses. */
export const UNIT_OF: Partial<Record<string, HarmonyUnit>> = {
  ImageResolutionX: 'ImageResolutionXUnit',
  ImageResolutionY: 'ImageResolutionYUnit'
};
