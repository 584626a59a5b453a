// Cases aimed at the model's bounds and at inline pixels: values out of their dtype's range,
// images of too many planes, shapes that would pad a layer beyond MAX_PLANE_PIXELS, thousands
// of distinct axis values, stacks whose metadata repeats a stacked component. Cases that
// depend on what a layer already holds keep that layer per client (`ctx.state`), so the
// outcome does not depend on how clients interleave. Plus the valid batches.
import {
  MAX_AXIS_VALUES,
  MAX_PLANE_PIXELS,
  MAX_PLANES_PER_IMAGE
} from '../../lib/protocol/index.js';
import { inlineValues, json, validBatch, validImage } from './images.mjs';

/** Inline values each dtype cannot hold. */
const OUT_OF_RANGE = {
  uint8: [-1, 256, 1.5, 1e6],
  int8: [128, -129, 0.5],
  uint16: [-1, 65536, 2.25],
  int16: [32768, -32769],
  uint32: [-1, 4294967296, 0.1],
  int32: [2147483648, -2147483649],
  float32: [3.5e38, -1e39, 1.7976931348623157e308],
  float64: []
};
const NOT_NUMBERS = ['1', null, true, {}, 'NaN'];

const oneImage = (item, frames = []) => [json({ type: 'batch', images: [item] }), ...frames];

/** A bijection of 0..AXIS_SPACE-1 (AXIS_SPACE is prime): distinct values in random order. */
const AXIS_SPACE = 70_001;
const scramble = n => (n * 48_271) % AXIS_SPACE;
/**
 * Distinct values per client's axis layer: each costs a plane's bookkeeping, which the
 * memory budget bounds long before MAX_AXIS_VALUES (65,536 planes need ~160 MiB of it);
 * later messages replace planes at values already sent.
 */
export const AXIS_DISTINCT = 1000;

export const MODEL_CASES = {
  'inline-out-of-range': {
    weight: 8,
    build(rng) {
      const dtype = rng.pick(Object.keys(OUT_OF_RANGE));
      const shape = [rng.int(1, 4), rng.int(1, 4)];
      const data = inlineValues(rng, shape, dtype, false);
      const bad = [...OUT_OF_RANGE[dtype], ...NOT_NUMBERS];
      data[rng.int(0, data.length - 1)] = rng.pick(bad);
      const item = {
        path: '/fuzz/inline',
        shape,
        dtype,
        image_id: 'in',
        data,
        metadata: { source: 'fzin' }
      };
      return {
        frames: oneImage(item),
        expect: { accepted: 0, rejected: 1, match: /inline|not a number|range|integer/ }
      };
    }
  },
  'inline-bad-layout': {
    // Too many or too few values, nested deeper than the shape, or over INLINE_MAX_BYTES.
    weight: 4,
    build(rng) {
      const shape = [2, 3];
      const data = rng.pick([
        [1, 2, 3, 4, 5, 6, 7],
        [1, 2, 3, 4, 5],
        [[[1, 2, 3]], [[4, 5, 6]]],
        [
          [1, 2, 3],
          [4, 5]
        ],
        Array.from({ length: 2000 }, () => 1)
      ]);
      const big = rng.chance(0.2);
      const item = {
        path: '/fuzz/layout',
        shape: big ? [32, 64] : shape,
        dtype: 'uint8',
        image_id: 'l',
        data: big ? Array.from({ length: 2048 }, () => 0) : data,
        metadata: { source: 'fzin' }
      };
      return { frames: oneImage(item), expect: { accepted: 0, rejected: 1 } };
    }
  },
  'inline-deep': {
    weight: 1,
    build(rng) {
      const depth = rng.int(100, 100_000);
      const text = `{"type":"batch","images":[{"path":"/fuzz/deep","shape":[1,1],"dtype":"uint8","image_id":"d","data":${'['.repeat(depth)}1${']'.repeat(depth)}}]}`;
      return { frames: [Buffer.from(text)], expect: { accepted: 0, rejected: 1 } };
    }
  },
  'too-many-planes': {
    weight: 3,
    build(rng) {
      const lead = rng.pick([
        [MAX_PLANES_PER_IMAGE + rng.int(1, 20_000)],
        [rng.int(65, 200), 64],
        [rng.int(17, 100), 16, 16],
        [100, 40, 100]
      ]);
      const shape = [...lead, 1, 1];
      const count = lead.reduce((a, b) => a * b, 1);
      const item = {
        path: '/fuzz/planes',
        shape,
        dtype: 'uint8',
        image_id: 'p',
        frame: 1,
        metadata: { source: 'fzplanes' }
      };
      return {
        frames: oneImage(item, [new Uint8Array(count)]),
        expect: { accepted: 0, rejected: 1, match: /MAX_PLANES_PER_IMAGE/ }
      };
    }
  },
  'planes-at-limit': {
    weight: 0.3,
    valid: true,
    build(rng) {
      // One shape only: its 4,096 planes replace each other's slots.
      const item = {
        path: '/fuzz/limit',
        shape: [MAX_PLANES_PER_IMAGE, 1, 1],
        dtype: 'uint8',
        image_id: 'q',
        frame: 1,
        metadata: { source: 'fzlimit' }
      };
      return {
        frames: oneImage(item, [new Uint8Array(MAX_PLANES_PER_IMAGE)]),
        expect: { accepted: 1, rejected: 0 }
      };
    }
  },
  'six-dimensions': {
    weight: 1,
    build(rng) {
      const item = {
        path: '/fuzz/6d',
        shape: [1, 1, 1, 1, 2, 2],
        dtype: 'uint8',
        image_id: 's',
        data: [0, 1, 2, 3],
        metadata: { source: 'fzin' }
      };
      return { frames: oneImage(item), expect: { accepted: 0, rejected: 1 } };
    }
  },
  'stack-conflict': {
    // A z stack whose metadata also sets z_index: rejected (which z would it be?).
    weight: 2,
    build(rng) {
      const item = {
        path: '/fuzz/conflict',
        shape: [2, 1, 2],
        dtype: 'uint8',
        image_id: 'c',
        data: [0, 1, 2, 3],
        metadata: { source: 'fzin', z_index: 3 }
      };
      return { frames: oneImage(item), expect: { accepted: 0, rejected: 1 } };
    }
  },
  'pad-over-limit': {
    // Long thin images in one layer of this client: the padded plane may not exceed
    // MAX_PLANE_PIXELS (a tall one after a wide one would pad every plane to N×N).
    weight: 3,
    build(rng, ctx) {
      const state = (ctx.state.pad ??= { h: 0, w: 0 });
      const images = [];
      const frames = [];
      let accepted = 0;
      for (let i = rng.int(1, 3); i > 0; i--) {
        const n = rng.int(1000, 30_000);
        const [h, w] = rng.chance(0.5) ? [1, n] : [n, 1];
        const [ph, pw] = [Math.max(state.h, h), Math.max(state.w, w)];
        if (ph * pw <= MAX_PLANE_PIXELS) {
          accepted++;
          [state.h, state.w] = [ph, pw];
        }
        frames.push(new Uint8Array(h * w));
        const well = `P${rng.int(1, 8)}`;
        images.push({
          path: `/fuzz/pad/${h}x${w}`,
          shape: [h, w],
          dtype: 'uint8',
          image_id: `${i}`,
          frame: frames.length,
          metadata: { well }
        });
      }
      const header = { type: 'batch', images, layer_name: `fz-pad-c${ctx.client}` };
      return {
        frames: [json(header), ...frames],
        expect: { accepted, rejected: images.length - accepted, match: /MAX_PLANE_PIXELS/ }
      };
    }
  },
  'axis-values': {
    // Distinct well values in random order into this client's layer (sorted insertion must
    // stay cheap); beyond MAX_AXIS_VALUES new values would be refused, values already on the
    // axis still replace their plane.
    weight: 2,
    build(rng, ctx) {
      const state = (ctx.state.axis ??= { next: 0, seen: new Set() });
      const images = [];
      let accepted = 0;
      for (let i = rng.int(20, 200); i > 0; i--) {
        const fresh = state.next < AXIS_DISTINCT && !(rng.chance(0.1) && state.next > 0);
        const value = scramble(fresh ? state.next++ : rng.int(0, state.next - 1));
        const well = `w${value}`;
        if (state.seen.has(well) || state.seen.size < MAX_AXIS_VALUES) {
          state.seen.add(well);
          accepted++;
        }
        images.push({
          path: `/fuzz/axis/${value}`,
          shape: [1, 1],
          dtype: 'uint8',
          image_id: well,
          data: [[value & 255]],
          metadata: { well }
        });
      }
      const header = { type: 'batch', images, layer_name: `fz-axis-c${ctx.client}` };
      return {
        frames: [json(header)],
        expect: { accepted, rejected: images.length - accepted, match: /MAX_AXIS_VALUES/ }
      };
    }
  },
  'proto-keys': {
    // __proto__ and constructor as keys and values: stored like any other metadata.
    weight: 1,
    valid: true,
    build(rng, ctx) {
      const frames = [];
      const item = validImage(rng, ctx, frames, 0);
      const text = JSON.stringify({
        type: 'batch',
        images: [item],
        component_names_metadata: { channel: { PROTO: 'x', constructor: 'y' } }
      })
        .replace(
          '"metadata":{',
          '"metadata":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},'
        )
        .replace('"PROTO"', '"__proto__"');
      return { frames: [Buffer.from(text), ...frames], expect: { accepted: 1, rejected: 0 } };
    }
  },
  valid: {
    weight: 20, // among the valid cases (scheduled beside the malformed ones)
    valid: true,
    build(rng, ctx) {
      const { header, frames } = validBatch(rng, ctx);
      return {
        frames: [json(header), ...frames],
        expect: { accepted: header.images.length, rejected: 0 }
      };
    }
  }
};
