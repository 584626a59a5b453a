/** TextureCache with an in-room fake WebGL2 context that counts allocations and uploads. */
import type { Plane } from '../model/plane.js';
import { TextureCache } from './texture-cache.js';

function fakeGl() {
  const counts = { created: 0, deleted: 0, storage: 0, uploads: 0 };
  const gl = {
    TEXTURE_2D: 1,
    TEXTURE_MIN_FILTER: 2,
    TEXTURE_MAG_FILTER: 3,
    TEXTURE_WRAP_S: 4,
    TEXTURE_WRAP_T: 5,
    NEAREST: 6,
    CLAMP_TO_EDGE: 7,
    createTexture: () => ({ id: ++counts.created }),
    deleteTexture: () => void counts.deleted++,
    bindTexture: () => {},
    texStorage2D: () => void counts.storage++,
    texParameteri: () => {},
    texSubImage2D: () => void counts.uploads++
  };
  return { gl: gl as unknown as WebGL2RenderingContext, counts };
}

const FORMATS = {
  uint8: { internal: 1, format: 1, type: 1 },
  uint16: { internal: 2, format: 2, type: 2 },
  float32: { internal: 3, format: 3, type: 3 },
  uint32: { internal: 4, format: 4, type: 4 }
};

const plane = (i: number, size = 16): Plane => ({
  layer: 'L',
  values: [i],
  level: 0,
  revision: 1,
  shape: [size, size],
  dtype: 'uint16',
  data: new Uint16Array(size * size)
});

describe('TextureCache', () => {
  it('uploads a plane once and then only binds it', () => {
    const { gl, counts } = fakeGl();
    const cache = new TextureCache(gl, FORMATS, 10 * 512);
    const p = plane(1);
    const t1 = cache.texture(p, new Set([p]));
    const t2 = cache.texture(p, new Set([p]));
    expect(t2).toBe(t1);
    expect(counts.uploads).toBe(1);
    expect(cache.bytes).toBe(512);
  });

  it('stays within its budget and recycles evicted textures of the same size', () => {
    const { gl, counts } = fakeGl();
    const cache = new TextureCache(gl, FORMATS, 3 * 512); // three 16² uint16 planes
    const planes = Array.from({ length: 10 }, (_, i) => plane(i));
    for (const p of planes) cache.texture(p, new Set([p]));
    expect(cache.bytes).toBeLessThanOrEqual(3 * 512);
    expect(counts.uploads).toBe(10);
    // after the first evictions, new planes reuse pooled textures: no new allocation
    expect(counts.storage).toBeLessThanOrEqual(4);
    // the most recent three are still resident
    const before = counts.uploads;
    for (const p of planes.slice(7)) cache.texture(p, new Set([p]));
    expect(counts.uploads).toBe(before);
  });

  it('never evicts a plane drawn in the same frame', () => {
    const { gl } = fakeGl();
    const cache = new TextureCache(gl, FORMATS, 512);
    const a = plane(1);
    const b = plane(2);
    const ta = cache.texture(a, new Set([a, b]));
    const tb = cache.texture(b, new Set([a, b]));
    expect(tb).not.toBe(ta);
    expect(cache.bytes).toBe(1024); // over budget for one frame rather than drawing garbage
  });

  it('deletes everything on dispose', () => {
    const { gl, counts } = fakeGl();
    const cache = new TextureCache(gl, FORMATS, 512);
    for (let i = 0; i < 4; i++) {
      const p = plane(i);
      cache.texture(p, new Set([p]));
    }
    cache.dispose();
    expect(counts.deleted).toBe(counts.created);
    expect(cache.bytes).toBe(0);
  });
});
