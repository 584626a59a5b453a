/**
 * The two on-disk forms of the zarr backend's plate (ome-zarr-layout.ts has the attributes):
 *
 *   NGFF 0.4 on zarr v2: `.zgroup` + `.zattrs` per group, `.zarray` per array, chunk keys
 *                        `t/c/z/0/0`; attributes at the top of `.zattrs`.
 *   NGFF 0.5 on zarr v3: one `zarr.json` per group or array, chunk keys `c/t/c/z/0/0`; the NGFF
 *                        attributes under `attributes.ome` (with `version: "0.5"`), ours beside.
 *
 * Arrays are always (t, c, z, y, x), one uncompressed little-endian chunk per plane, so a chunk
 * file is exactly the plane's bytes.
 */
import type { Dtype } from '../../../protocol/index.js';
import { NAMES_KEY, type NgffVersion } from './ome-zarr-layout.js';

/** What the backend needs of an array's metadata; chunks are always one (y, x) plane. */
export interface ArrayMeta {
  shape: number[];
  dtype: Dtype;
}

export interface ZarrDialect {
  readonly ngff: NgffVersion;
  readonly zarrFormat: 2 | 3;
  /** The store key and JSON that make `group` a group (with no attributes yet). */
  groupMarker(group: string): [key: string, json: object];
  /** The store key and JSON holding these (NGFF 0.4-shaped) attributes of `group`. */
  attrsFile(group: string, attrs: object): [key: string, json: object];
  /** The key holding a group's attributes. */
  attrsKey(group: string): string;
  /** NGFF 0.4-shaped attributes from the JSON at attrsKey. */
  readAttrs(json: Record<string, unknown>): Record<string, unknown>;
  arrayKey(array: string): string;
  arrayJson(meta: ArrayMeta): object;
  /** The metadata, or null when the JSON is not an array this backend wrote. */
  readArray(json: Record<string, unknown>): ArrayMeta | null;
  chunkKey(array: string, t: number, c: number, z: number): string;
}

const V2_DTYPES: Record<Dtype, string> = {
  uint8: '|u1',
  int8: '|i1',
  uint16: '<u2',
  int16: '<i2',
  uint32: '<u4',
  int32: '<i4',
  float32: '<f4',
  float64: '<f8'
};

const join = (group: string, key: string) => (group ? `${group}/${key}` : key);

const v2: ZarrDialect = {
  ngff: '0.4',
  zarrFormat: 2,
  groupMarker: group => [join(group, '.zgroup'), { zarr_format: 2 }],
  attrsFile: (group, attrs) => [join(group, '.zattrs'), attrs],
  attrsKey: group => join(group, '.zattrs'),
  readAttrs: json => json,
  arrayKey: array => join(array, '.zarray'),
  arrayJson: ({ shape, dtype }) => ({
    zarr_format: 2,
    shape,
    chunks: [1, 1, 1, ...shape.slice(3)],
    dtype: V2_DTYPES[dtype],
    compressor: null,
    fill_value: 0,
    order: 'C',
    filters: null,
    dimension_separator: '/'
  }),
  readArray: json => {
    const dtype = (Object.keys(V2_DTYPES) as Dtype[]).find(d => V2_DTYPES[d] === json.dtype);
    return dtype && Array.isArray(json.shape) ? { shape: json.shape as number[], dtype } : null;
  },
  chunkKey: (array, t, c, z) => join(array, `${t}/${c}/${z}/0/0`)
};

const v3: ZarrDialect = {
  ngff: '0.5',
  zarrFormat: 3,
  groupMarker: group => [join(group, 'zarr.json'), { zarr_format: 3, node_type: 'group' }],
  attrsFile: (group, attrs) => [
    join(group, 'zarr.json'),
    { zarr_format: 3, node_type: 'group', attributes: toV3(attrs) }
  ],
  attrsKey: group => join(group, 'zarr.json'),
  readAttrs: json => fromV3((json.attributes ?? {}) as Record<string, unknown>),
  arrayKey: array => join(array, 'zarr.json'),
  arrayJson: ({ shape, dtype }) => ({
    zarr_format: 3,
    node_type: 'array',
    shape,
    data_type: dtype,
    chunk_grid: { name: 'regular', configuration: { chunk_shape: [1, 1, 1, ...shape.slice(3)] } },
    chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
    fill_value: 0,
    codecs: [{ name: 'bytes', configuration: { endian: 'little' } }],
    attributes: {},
    dimension_names: ['t', 'c', 'z', 'y', 'x']
  }),
  readArray: json =>
    json.node_type === 'array' && typeof json.data_type === 'string' && Array.isArray(json.shape)
      ? { shape: json.shape as number[], dtype: json.data_type as Dtype }
      : null,
  chunkKey: (array, t, c, z) => join(array, `c/${t}/${c}/${z}/0/0`)
};

/** NGFF 0.4-shaped attributes → 0.5: everything but our own key moves under "ome". */
function toV3(attrs: object): object {
  const { [NAMES_KEY]: ours, ...ngff } = attrs as Record<string, unknown>;
  return { ome: { version: '0.5', ...ngff }, ...(ours === undefined ? {} : { [NAMES_KEY]: ours }) };
}

function fromV3(attributes: Record<string, unknown>): Record<string, unknown> {
  const { ome, ...rest } = attributes;
  const ngff = { ...((ome ?? {}) as Record<string, unknown>) };
  delete ngff.version;
  return { ...ngff, ...rest };
}

export function dialectOf(ngff: NgffVersion): ZarrDialect {
  return ngff === '0.5' ? v3 : v2;
}

/** The dialect of the store whose root has these files, or null for an empty/missing store. */
export function detectDialect(rootFiles: readonly string[]): ZarrDialect | null {
  if (rootFiles.includes('zarr.json')) return v3;
  if (rootFiles.includes('.zgroup') || rootFiles.includes('.zattrs')) return v2;
  return null;
}
