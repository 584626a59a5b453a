// Malformed data messages of the wire and JSON kind: random bytes, truncated headers, extra
// and missing frames, wrong types, JSON that is valid but breaks the schema, headers and
// image counts over the limits. Each case returns the frames and what the server must do:
// `whole` (the message refused: one error) or `accepted`/`rejected` image counts.
import { MAX_HEADER_BYTES, MAX_IMAGES_PER_MESSAGE } from '../../lib/protocol/index.js';
import { json, nbytesOf, validBatch } from './images.mjs';

const refused = (frames, match) => ({ frames, expect: { whole: true, match } });

/** One field of a valid batch set to something the schema refuses. */
const BREAKS = [
  h => (h.type = 'batchx'),
  h => (h.type = 1),
  h => delete h.type,
  h => (h.images = {}),
  h => (h.images = 'x'),
  h => (h.images = [1]),
  h => (h.images = null),
  h => (h.images[0].shape = ['a', 2]),
  h => (h.images[0].shape = [0, 2]),
  h => (h.images[0].shape = [-1, 2]),
  h => (h.images[0].shape = [1.5, 2]),
  h => (h.images[0].shape = [2]),
  h => (h.images[0].shape = [1, 1, 1, 1, 1, 1, 1]),
  h => (h.images[0].shape = 'x'),
  h => (h.images[0].dtype = 'uint64'),
  h => (h.images[0].dtype = 'float16'),
  h => (h.images[0].dtype = 5),
  h => (h.images[0].image_id = ''),
  h => (h.images[0].image_id = 5),
  h => (h.images[0].path = 5),
  h => (h.images[0].metadata = 'x'),
  h => (h.images[0].metadata.source = ''),
  h => (h.images[0].metadata.source = 5),
  h => (h.images[0].metadata.well = {}),
  h => (h.images[0].metadata.site = [1]),
  h => (h.images[0].metadata.plate = 5),
  h => (h.images[0].data_type = 'volume'),
  h => Object.assign(h.images[0], { frame: 0, data: undefined, shm_name: undefined }),
  h => Object.assign(h.images[0], { frame: -1, data: undefined, shm_name: undefined }),
  h => Object.assign(h.images[0], { frame: 1.5, data: undefined, shm_name: undefined }),
  h => Object.assign(h.images[0], { frame: '1', data: undefined, shm_name: undefined }),
  h => Object.assign(h.images[0], { frame: undefined, data: undefined, shm_name: undefined }),
  h => Object.assign(h.images[0], { data: 'x', frame: undefined, shm_name: undefined }),
  h => Object.assign(h.images[0], { data: [1], frame: 1 }),
  h => (h.display_config = { colormap: 'nope' }),
  h => (h.display_config = { component_modes: { well: 'x' } }),
  h => (h.display_config = { component_order: ['nope'] }),
  h => (h.display_config = { variable_size_handling: 'x' }),
  h => (h.display_config = 'x'),
  h => (h.component_names_metadata = { channel: { 1: 5 } }),
  h => (h.component_names_metadata = { nope: { 1: 'x' } }),
  h => (h.layer_name = ''),
  h => (h.layer_name = 'x'.repeat(201)),
  h => (h.version = 'x'),
  h => (h.timestamp = 'now')
];

/** Valid JSON that is no batch object at all. */
const NOT_OBJECTS = ['1', '"batch"', 'null', '[]', 'true', '[{"type":"batch","images":[]}]', '{}'];

/** Deeply nested JSON in a place the schema refuses as a whole. */
function deep(depth) {
  return '['.repeat(depth) + ']'.repeat(depth);
}

export const DATA_CASES = {
  'random-bytes': {
    weight: 10,
    build(rng) {
      const n = rng.int(1, 3);
      return refused(
        Array.from({ length: n }, (_, i) => rng.bytes(rng.int(i === 0 ? 1 : 0, 2048)))
      );
    }
  },
  'empty-frame': {
    weight: 2,
    build(rng) {
      return refused([new Uint8Array(0), ...(rng.chance(0.5) ? [rng.bytes(16)] : [])]);
    }
  },
  'truncated-header': {
    weight: 8,
    build(rng, ctx) {
      const { header, frames } = validBatch(rng, ctx);
      const text = json(header);
      return refused([text.subarray(0, rng.int(1, text.length - 1)), ...frames]);
    }
  },
  'invalid-utf8': {
    weight: 2,
    build(rng) {
      const text = Buffer.from('{"type":"batch","images":[],"layer_name":"\xff\xfe"}', 'latin1');
      return refused([text], /not UTF-8 JSON/);
    }
  },
  'not-an-object': {
    weight: 3,
    build(rng) {
      return refused([Buffer.from(rng.pick(NOT_OBJECTS))], /invalid message/);
    }
  },
  'schema-violation': {
    weight: 14,
    build(rng, ctx) {
      const { header, frames } = validBatch(rng, ctx);
      rng.pick(BREAKS)(header);
      return refused([json(header), ...frames], /invalid message/);
    }
  },
  'missing-frame': {
    weight: 4,
    build(rng, ctx) {
      const { header, frames } = validBatch(rng, ctx);
      header.images[0] = { ...header.images[0], data: undefined, shm_name: undefined };
      header.images[0].frame = frames.length + rng.int(1, 3);
      return refused([json(header), ...frames], /references frame/);
    }
  },
  'extra-frames': {
    // Unreferenced frames are ignored: the images are stored.
    weight: 3,
    valid: true,
    build(rng, ctx) {
      const { header, frames } = validBatch(rng, ctx);
      const extra = Array.from({ length: rng.int(1, 3) }, () => rng.bytes(rng.int(0, 4096)));
      return {
        frames: [json(header), ...frames, ...extra],
        expect: { accepted: header.images.length, rejected: 0 }
      };
    }
  },
  'many-frames': {
    // Thousands of unreferenced parts: bounded work, the images are stored.
    weight: 0.5,
    valid: true,
    build(rng, ctx) {
      const { header, frames } = validBatch(rng, ctx, 1);
      const extra = Array.from({ length: rng.int(1000, 20_000) }, () => new Uint8Array(0));
      return { frames: [json(header), ...frames, ...extra], expect: { accepted: 1, rejected: 0 } };
    }
  },
  'frame-size': {
    weight: 5,
    build(rng, ctx) {
      const { header, frames } = validBatch(rng, ctx, 1);
      const item = header.images[0];
      delete item.data;
      delete item.shm_name; // no longer named: swept by the fuzzer as a producer would
      const nbytes = nbytesOf(item.shape, item.dtype);
      let wrong = rng.int(0, nbytes * 2);
      if (wrong === nbytes) wrong += 1;
      frames.push(rng.bytes(wrong));
      item.frame = frames.length;
      return {
        frames: [json(header), ...frames],
        expect: { accepted: 0, rejected: 1, match: /raw frame/ }
      };
    }
  },
  'deep-json': {
    weight: 2,
    build(rng) {
      const depth = rng.int(1000, 200_000);
      const text = `{"type":"batch","timestamp":${deep(depth)},"images":[]}`;
      return refused([Buffer.from(text)]);
    }
  },
  'header-over-limit': {
    weight: 0.02,
    cap: n => Math.max(1, Math.floor(n / 5000)),
    build(rng) {
      const pad = ' '.repeat(MAX_HEADER_BYTES - 30 + rng.int(0, 1000));
      const text = `{"type":"batch","images":[]${pad}}`;
      return refused([Buffer.from(text)], /MAX_HEADER_BYTES/);
    }
  },
  'too-many-images': {
    weight: 0.1,
    cap: n => Math.max(1, Math.floor(n / 1000)),
    build(rng) {
      const count = MAX_IMAGES_PER_MESSAGE + rng.int(1, 100);
      const item = { path: '/x', shape: [1, 1], dtype: 'uint8', image_id: 'x', data: [0] };
      const header = { type: 'batch', images: Array.from({ length: count }, () => item) };
      return refused([json(header)], /MAX_IMAGES_PER_MESSAGE/);
    }
  }
};
