// Shared-memory cases: names of planted files (symlink out of the store, FIFO, another
// user's file, hard link, directory), segments of the wrong size, sparse segments over the
// memory budget, missing ones, a name used twice, names that break the naming rule, and
// segment names escaped in the JSON of a refused batch. Valid images may ride along.
import { PLANTED_BYTES, REASON } from './planted.mjs';
import { json, pixelBytes, validImage } from './images.mjs';

const side = Math.sqrt(PLANTED_BYTES);

/** A batch of `items` plus 0–2 valid images in random places; counts what must be accepted. */
function withValid(rng, ctx, items, frames = []) {
  const images = [...items];
  const valid = rng.int(0, 2);
  for (let i = 0; i < valid; i++)
    images.splice(rng.int(0, images.length), 0, validImage(rng, ctx, frames, 100 + i));
  return { header: { type: 'batch', images }, frames, valid };
}

function segmentImage(name, shape = [side, side], dtype = 'uint8', path = '/fuzz/segment.tif') {
  return { path, shape, dtype, image_id: name, shm_name: name, metadata: { source: 'fzseg' } };
}

/** Images refused for `reason`, beside valid ones. */
function refusedSegments(rng, ctx, names, reason, shape, dtype) {
  const items = names.map(name => segmentImage(name, shape, dtype));
  const { header, frames, valid } = withValid(rng, ctx, items);
  return {
    frames: [json(header), ...frames],
    expect: { accepted: valid, rejected: items.length, reasons: { [reason]: items.length } }
  };
}

const planted = kind => ({
  weight: 3,
  channel: 'data',
  build(rng, ctx) {
    const pool = ctx.files.planted[kind];
    if (pool.length === 0) return null; // not available here (e.g. not root)
    return refusedSegments(rng, ctx, [rng.pick(pool)], REASON[kind]);
  }
});

export const SEGMENT_CASES = {
  'planted-symlink': planted('symlink'),
  'planted-fifo': planted('fifo'),
  'planted-foreign': planted('foreign'),
  'planted-hardlink': planted('linked'),
  'planted-directory': planted('directory'),
  'segment-wrong-size': {
    weight: 4,
    build(rng, ctx) {
      let size = rng.int(0, 2 * PLANTED_BYTES);
      if (size === PLANTED_BYTES) size++;
      return refusedSegments(rng, ctx, [ctx.files.write(rng.bytes(size))], 'size');
    }
  },
  'segment-sparse-huge': {
    // Declared 512 MiB or more: refused before it is opened, whatever the file holds.
    weight: 2,
    build(rng, ctx) {
      const shape = [8192, rng.pick([8192, 16384])];
      const name = ctx.files.sparse(shape[0] * shape[1] * 8);
      return refusedSegments(rng, ctx, [name], 'over-budget', shape, 'float64');
    }
  },
  'segment-budget-split': {
    // Two sparse segments of 0.6 × the budget: the first fits it, the second no longer does.
    weight: 0.05,
    cap: n => Math.max(1, Math.floor(n / 4000)),
    build(rng, ctx) {
      const shape = [Math.floor((0.6 * ctx.budget) / 4096), 4096];
      const names = [ctx.files.sparse(shape[0] * 4096), ctx.files.sparse(shape[0] * 4096)];
      const images = names.map((name, i) => ({
        ...segmentImage(name, shape),
        image_id: `b${i}`,
        metadata: { source: 'fzbig' }
      }));
      return {
        frames: [json({ type: 'batch', images })],
        expect: { accepted: 1, rejected: 1, reasons: { 'over-budget': 1 } }
      };
    }
  },
  'segment-missing': {
    weight: 3,
    build(rng, ctx) {
      return refusedSegments(rng, ctx, [ctx.files.missing()], 'missing');
    }
  },
  'segment-named-twice': {
    weight: 2,
    build(rng, ctx) {
      const name = ctx.files.write(pixelBytes(rng, [side, side], 'uint8'));
      const images = [segmentImage(name), { ...segmentImage(name), image_id: 'again' }];
      return {
        frames: [json({ type: 'batch', images })],
        expect: { accepted: 1, rejected: 1 }
      };
    }
  },
  'segment-bad-name': {
    weight: 3,
    build(rng) {
      const name = rng.pick([
        '../../etc/passwd',
        'plv_../../tmp/x',
        `plv_${rng.hex(8).toUpperCase()}`,
        `plv_${rng.hex(33)}`,
        `/dev/shm/plv_${rng.hex(16)}`,
        'napari_zz',
        `plv_${rng.hex(16)}\u0000`,
        ''
      ]);
      return {
        frames: [json({ type: 'batch', images: [segmentImage(name)] })],
        expect: { whole: true, match: /shm_name/ }
      };
    }
  },
  'segment-escaped-name': {
    // A refused batch naming its segment with JSON escapes: it is still unlinked.
    weight: 2,
    build(rng, ctx) {
      const name = ctx.files.write(pixelBytes(rng, [side, side], 'uint8'));
      const escaped = name.replace(/[0-9a-f]/, c => `\\u00${c.charCodeAt(0).toString(16)}`);
      const header = { type: 'batchx', images: [segmentImage('NAME')] };
      const text = JSON.stringify(header)
        .replace('"NAME"', `"${escaped}"`)
        .replace('"NAME"', `"${escaped}"`);
      return { frames: [Buffer.from(text)], expect: { whole: true }, gone: [name] };
    }
  },
  'roi-items': {
    // OpenHCS shapes/points: set aside as rejected, their segment unlinked all the same.
    weight: 2,
    build(rng, ctx) {
      const roi = {
        path: '/fuzz/roi',
        data_type: rng.pick(['shapes', 'points']),
        shape: [side, side],
        dtype: 'uint8',
        image_id: 'roi',
        shm_name: ctx.files.write(pixelBytes(rng, [side, side], 'uint8'))
      };
      const { header, frames, valid } = withValid(rng, ctx, [roi]);
      return { frames: [json(header), ...frames], expect: { accepted: valid, rejected: 1 } };
    }
  }
};
