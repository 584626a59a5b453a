// Valid images and batches the fuzzer builds on (and breaks): small shapes from a fixed set,
// every dtype, pixels as a raw frame, an own shared-memory segment, or inline numbers.
// Layers and plane slots stay few (sources × sizes × a few component values: at most
// VALID_SLOTS), so valid messages never reach MAX_LAYERS nor the budget's plane bookkeeping.
import { COLORMAPS, DTYPES, INLINE_MAX_BYTES } from '../../lib/protocol/index.js';

export const BYTES = {
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  float32: 4,
  float64: 8
};
const RANGE = {
  uint8: [0, 255],
  int8: [-128, 127],
  uint16: [0, 65535],
  int16: [-32768, 32767],
  uint32: [0, 4294967295],
  int32: [-2147483648, 2147483647]
};
const CTOR = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array
};
export const SOURCES = ['fz0', 'fz1', 'fz2'];
/** Plane sizes of valid images (few: separate_layers makes a layer per size). */
const PLANES = [
  [1, 1],
  [8, 8],
  [16, 32],
  [32, 16],
  [64, 64]
];
const WELLS = ['A01', 'A02', 'B01', 'H12'];
/** Odd but valid well names: quotes, path-like, unicode, NUL. */
const ODD_WELLS = ['"q"', '../../etc', 'Ä\u00e9\u4e2d', 'a\u0000b', '\ud83d\ude00', '<b>x</b>'];

export const elementCount = shape => shape.reduce((a, b) => a * b, 1);
export const nbytesOf = (shape, dtype) => elementCount(shape) * BYTES[dtype];

/** A random value that fits `dtype`. */
export function valueFor(rng, dtype) {
  const range = RANGE[dtype];
  if (range) return range[0] + Math.floor(rng.next() * (range[1] - range[0] + 1));
  const v = (rng.next() - 0.5) * (dtype === 'float32' ? 1e6 : 1e12);
  return dtype === 'float32' ? Math.fround(v) : v;
}

/** Pixel bytes of `shape` × `dtype` holding valid values (random bytes could be NaN: fine too). */
export function pixelBytes(rng, shape, dtype) {
  const values = new CTOR[dtype](elementCount(shape));
  for (let i = 0; i < values.length; i++) values[i] = valueFor(rng, dtype);
  return new Uint8Array(values.buffer);
}

/** Inline values of `shape`: nested lists as numpy's tolist() gives, or flat. */
export function inlineValues(rng, shape, dtype, nested = rng.chance(0.5)) {
  const flat = Array.from({ length: elementCount(shape) }, () => valueFor(rng, dtype));
  if (!nested) return flat;
  const nest = (values, dims) => {
    if (dims.length === 1) return values;
    const step = values.length / dims[0];
    return Array.from({ length: dims[0] }, (_, i) =>
      nest(values.slice(i * step, (i + 1) * step), dims.slice(1))
    );
  };
  return nest(flat, shape);
}

/**
 * One valid image: a 2-D plane or a small stack (z, c×z or t×c×z; the metadata then leaves
 * those components out). `frames` collects raw frames; `files` writes own segments.
 */
export function validImage(rng, { files }, frames, index, source = rng.pick(SOURCES)) {
  const dtype = rng.pick(DTYPES);
  const [h, w] = rng.pick(PLANES);
  const odd = rng.chance(0.05);
  const lead = odd ? [] : rng.pick([[], [], [], [2], [2, 2], [1, 2, 2]]);
  const shape = [...lead, h, w];
  const metadata = odd
    ? { source: 'fzodd', well: rng.pick(ODD_WELLS) }
    : { source, well: rng.pick(WELLS) };
  if (!odd && rng.chance(0.7)) metadata.site = rng.int(1, 2);
  if (!odd && lead.length < 1 && rng.chance(0.5)) metadata.z_index = rng.int(1, 2);
  if (!odd && lead.length < 2 && rng.chance(0.5)) metadata.channel = String(rng.int(1, 2));
  const item = {
    path: `/fuzz/${source}/${index}.tif`,
    shape,
    dtype,
    image_id: `i${index}`,
    metadata
  };
  const nbytes = nbytesOf(shape, dtype);
  const how = rng.int(0, 2);
  if (how === 0 && nbytes <= INLINE_MAX_BYTES) item.data = inlineValues(rng, shape, dtype);
  else if (how === 1) item.shm_name = files.write(pixelBytes(rng, shape, dtype));
  else {
    frames.push(pixelBytes(rng, shape, dtype));
    item.frame = frames.length;
  }
  return item;
}

/**
 * Plane slots valid images can fill: layers (sources, each pixel size apart under
 * separate_layers, one per well when well is a slice) × well × site × z × channel values,
 * plus the odd wells.
 */
export const VALID_SLOTS =
  SOURCES.length * PLANES.length * 2 * WELLS.length * 2 * 2 * 2 +
  2 * ODD_WELLS.length * PLANES.length;

/** A display config (random but valid). */
export function displayConfig(rng) {
  return {
    component_modes: rng.chance(0.2) ? { well: 'slice' } : {},
    colormap: rng.pick(COLORMAPS),
    variable_size_handling: rng.chance(0.2) ? 'separate_layers' : 'pad_to_max'
  };
}

/** A valid batch of `n` images; `{header, frames, images}` with the header still an object. */
export function validBatch(rng, ctx, n = rng.int(1, 4), source) {
  const frames = [];
  const images = Array.from({ length: n }, (_, i) => validImage(rng, ctx, frames, i, source));
  const header = { type: 'batch', version: 1, timestamp: Date.now() / 1000, images };
  if (rng.chance(0.7)) header.display_config = displayConfig(rng);
  if (rng.chance(0.2)) header.component_names_metadata = { channel: { 1: 'DAPI', 2: 'GFP' } };
  return { header, frames };
}

export const json = value => Buffer.from(JSON.stringify(value));
