/**
 * TextureCache: planes already uploaded to the GPU, least recently drawn evicted first and
 * bounded in bytes. Scrubbing back over planes shown recently then costs a bind and a draw,
 * no upload. Evicted textures go to a pool by size and format and are re-filled with
 * texSubImage2D, so a new plane of a known size allocates nothing. Entries never hold the
 * plane (its pixels belong to the PlaneCache): they are keyed by an id given to each plane.
 */
import { bytesPerElement } from '../../protocol/dtype.js';
import type { WireDtype } from '../../protocol/viewer-api.js';
import type { Plane } from '../model/plane.js';

export const DEFAULT_TEXTURE_BYTES = 192 * 1024 * 1024;

export interface TextureFormat {
  internal: number;
  format: number;
  type: number;
}

interface Entry {
  texture: WebGLTexture;
  bytes: number;
  pool: string;
}

const planeIds = new WeakMap<Plane, number>();
let nextId = 1;

function idOf(plane: Plane): number {
  let id = planeIds.get(plane);
  if (id === undefined) planeIds.set(plane, (id = nextId++));
  return id;
}

export class TextureCache {
  constructor(
    private readonly _gl: WebGL2RenderingContext,
    private readonly _formats: Record<WireDtype, TextureFormat>,
    readonly budgetBytes = DEFAULT_TEXTURE_BYTES
  ) {}

  get bytes(): number {
    return this._bytes;
  }

  /** Texture holding `plane`, uploading it if needed. `inUse` are not evicted (this frame). */
  texture(plane: Plane, inUse: ReadonlySet<Plane>): WebGLTexture {
    const id = idOf(plane);
    const hit = this._entries.get(id);
    if (hit) {
      this._entries.delete(id);
      this._entries.set(id, hit);
      return hit.texture;
    }
    const gl = this._gl;
    const [height, width] = plane.shape;
    const f = this._formats[plane.dtype];
    const bytes = plane.data.byteLength;
    const pool = `${width}x${height}:${plane.dtype}`;
    this._evict(bytes, inUse);
    let texture = this._pool.get(pool)?.pop();
    if (texture) {
      this._pooledBytes -= bytes;
      gl.bindTexture(gl.TEXTURE_2D, texture);
    } else {
      texture = gl.createTexture()!;
      gl.bindTexture(gl.TEXTURE_2D, texture);
      // immutable storage; integer and float textures need NEAREST
      gl.texStorage2D(gl.TEXTURE_2D, 1, f.internal, width, height);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    }
    gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, width, height, f.format, f.type, plane.data);
    this._entries.set(id, { texture, bytes, pool });
    this._bytes += bytes;
    return texture;
  }

  dispose(): void {
    for (const e of this._entries.values()) this._gl.deleteTexture(e.texture);
    for (const list of this._pool.values()) for (const t of list) this._gl.deleteTexture(t);
    this._entries.clear();
    this._pool.clear();
    this._bytes = 0;
    this._pooledBytes = 0;
  }

  /** Make room for `incoming` bytes: evicted textures go to the pool (bounded too). */
  private _evict(incoming: number, inUse: ReadonlySet<Plane>): void {
    const keep = new Set([...inUse].map(idOf));
    for (const [id, e] of this._entries) {
      if (this._bytes + incoming <= this.budgetBytes) break;
      if (keep.has(id)) continue;
      this._entries.delete(id);
      this._bytes -= e.bytes;
      let list = this._pool.get(e.pool);
      if (!list) this._pool.set(e.pool, (list = []));
      list.push(e.texture);
      this._pooledBytes += e.bytes;
    }
    // the pool only keeps a few spare textures per size
    for (const [key, list] of this._pool) {
      const each = list.length ? this._pooledBytesOf(key) : 0;
      while (list.length > 2) {
        this._gl.deleteTexture(list.shift()!);
        this._pooledBytes -= each;
      }
    }
  }

  private _pooledBytesOf(pool: string): number {
    const [size, dtype] = pool.split(':');
    const [w, h] = size.split('x').map(Number);
    return w * h * bytesPerElement(dtype as WireDtype);
  }

  /** Map order is recency order: first = least recently drawn. */
  private _entries = new Map<number, Entry>();
  private _pool = new Map<string, WebGLTexture[]>();
  private _bytes = 0;
  private _pooledBytes = 0;
}
