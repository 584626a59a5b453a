/**
 * GlRenderer: draws planes with WebGL2. Planes stay on the GPU in a TextureCache bounded in
 * bytes (scrubbing back over recent planes costs a bind and a draw; a new plane of a known
 * size is uploaded into a recycled texture, no allocation). uint8 → R8, uint16 → R16UI read
 * by a usampler, float32 → R32F; contrast, gamma and the colormap (a 256×1 LUT texture) are
 * applied in the fragment shader, and layers and the channels of a composite are added up
 * (additive blending, as napari's `channel_axis`).
 */
import type { Colormap } from '../../protocol/components.js';
import type { PixelSize } from '../../protocol/messages.js';
import type { WireDtype } from '../../protocol/viewer-api.js';
import { colormapLut } from '../model/colormaps.js';
import type { CameraState } from '../model/camera.js';
import type { Plane } from '../model/plane.js';
import type { LabelsMode } from '../model/labels-colors.js';
import type { RoiDrawShape } from '../model/roi-overlays.js';
import { LabelsRenderer } from './labels-renderer.js';
import { RoiRenderer } from './roi-renderer.js';
import { TextureCache, type TextureFormat } from './texture-cache.js';

export interface DrawLayer {
  key: string;
  plane: Plane;
  /** Full-resolution [height, width]: the quad covers this many image pixels at any level. */
  fullShape: readonly [number, number];
  contrast: readonly [number, number];
  colormap: Colormap;
  opacity: number;
  /** t → t^gamma after contrast (1: linear). */
  gamma: number;
  /** How the readout names it: the layer key, or the channel name of a composite. */
  label: string;
  /** Physical pixel size, when the producer sent one (scale bar, readout). */
  pixelSize?: PixelSize;
  /** A labels layer: drawn by LabelsRenderer over the images, filled or as outlines. */
  labels?: LabelsMode;
}

/** What one tile of the canvas shows, and where (device px, origin top-left). */
export interface DrawTile {
  layers: readonly DrawLayer[];
  rois: readonly RoiDrawShape[];
  rect: { x: number; y: number; width: number; height: number };
}

const VERTEX = `#version 300 es
in vec2 a_pos;            // unit quad 0..1
uniform vec2 u_size;      // image size in full-resolution pixels
uniform vec2 u_view;      // canvas size in device pixels
uniform vec3 u_camera;    // zoom (device px per image px), center x, center y
out vec2 v_uv;
void main() {
  vec2 img = a_pos * u_size;
  vec2 screen = (img - u_camera.yz) * u_camera.x + u_view * 0.5;
  vec2 clip = screen / u_view * 2.0 - 1.0;
  gl_Position = vec4(clip.x, -clip.y, 0.0, 1.0);
  v_uv = a_pos;
}`;

function fragment(sampler: 'sampler2D' | 'usampler2D'): string {
  return `#version 300 es
precision highp float;
precision highp usampler2D;
uniform ${sampler} u_data;
uniform sampler2D u_lut;
uniform vec2 u_clim;      // contrast limits in data units
uniform float u_scale;    // data units per texture unit (255 for R8)
uniform float u_opacity;
uniform float u_gamma;
in vec2 v_uv;
out vec4 color;
void main() {
  float v = float(texture(u_data, v_uv).r) * u_scale;
  float t = clamp((v - u_clim.x) / (u_clim.y - u_clim.x), 0.0, 1.0);
  if (v != v) t = 0.0; // NaN
  t = pow(t, u_gamma);
  vec3 rgb = texture(u_lut, vec2(t * (255.0 / 256.0) + 0.5 / 256.0, 0.5)).rgb;
  color = vec4(rgb * u_opacity, 1.0);
}`;
}

interface Program {
  program: WebGLProgram;
  uniforms: Record<string, WebGLUniformLocation | null>;
}

const FORMATS: Record<WireDtype, TextureFormat & { scale: number }> = {
  uint8: {
    internal: 0x8229 /* R8 */,
    format: 0x1903 /* RED */,
    type: 0x1401 /* UNSIGNED_BYTE */,
    scale: 255
  },
  uint16: {
    internal: 0x8234 /* R16UI */,
    format: 0x8d94 /* RED_INTEGER */,
    type: 0x1403 /* UNSIGNED_SHORT */,
    scale: 1
  },
  float32: {
    internal: 0x822e /* R32F */,
    format: 0x1903 /* RED */,
    type: 0x1406 /* FLOAT */,
    scale: 1
  },
  // label ids; a labels layer is drawn by LabelsRenderer, this shows one as intensities
  uint32: {
    internal: 0x8236 /* R32UI */,
    format: 0x8d94 /* RED_INTEGER */,
    type: 0x1405 /* UNSIGNED_INT */,
    scale: 1
  }
};

export class GlRenderer {
  readonly gl: WebGL2RenderingContext;

  constructor(
    readonly canvas: HTMLCanvasElement,
    textureBytes?: number
  ) {
    const gl = canvas.getContext('webgl2', {
      preserveDrawingBuffer: true, // screenshots and pixel read-back by tests
      premultipliedAlpha: false,
      antialias: false,
      alpha: false
    });
    if (!gl)
      throw new Error(
        'Pipeline viewer: this browser has no WebGL2; the viewer needs it to draw images.'
      );
    this.gl = gl;
    this._float = this._program(fragment('sampler2D'));
    this._uint = this._program(fragment('usampler2D'));
    this._quad = gl.createBuffer()!;
    gl.bindBuffer(gl.ARRAY_BUFFER, this._quad);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, 0, 1, 0, 0, 1, 1, 1]), gl.STATIC_DRAW);
    this._vao = gl.createVertexArray()!;
    gl.bindVertexArray(this._vao);
    for (const p of [this._float, this._uint]) {
      const loc = gl.getAttribLocation(p.program, 'a_pos');
      gl.enableVertexAttribArray(loc);
      gl.vertexAttribPointer(loc, 2, gl.FLOAT, false, 0, 0);
    }
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    this._textures = new TextureCache(gl, FORMATS, textureBytes);
    this._labels = new LabelsRenderer(gl);
    this._rois = new RoiRenderer(gl);
  }

  /** Clear to black, add up the image layers, then labels layers and ROI overlays over them. */
  draw(
    layers: readonly DrawLayer[],
    camera: CameraState,
    rois: readonly RoiDrawShape[] = []
  ): void {
    const rect = { x: 0, y: 0, width: this.canvas.width, height: this.canvas.height };
    this.drawTiles([{ layers, rois, rect }], camera);
  }

  /**
   * Side by side: clear to black, then draw each tile's layers in its own viewport (device
   * px, origin top-left), all through the same camera, as napari's grid mode.
   */
  drawTiles(tiles: readonly DrawTile[], camera: CameraState): void {
    const gl = this.gl;
    gl.disable(gl.SCISSOR_TEST);
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.clearColor(0, 0, 0, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    // every tile's planes are in use: one tile's upload must not evict another's texture
    const inUse = new Set(tiles.flatMap(t => t.layers.map(l => l.plane)));
    for (const { layers, rois, rect } of tiles) {
      const bottom = this.canvas.height - rect.y - rect.height; // GL counts from the bottom
      gl.viewport(rect.x, bottom, rect.width, rect.height);
      if (tiles.length > 1) {
        gl.enable(gl.SCISSOR_TEST); // ROI points and lines stay in their tile
        gl.scissor(rect.x, bottom, rect.width, rect.height);
      }
      this._drawLayers(layers, camera, rois, [rect.width, rect.height], inUse);
    }
    gl.disable(gl.SCISSOR_TEST);
  }

  private _drawLayers(
    layers: readonly DrawLayer[],
    camera: CameraState,
    rois: readonly RoiDrawShape[],
    view: readonly [number, number],
    inUse: ReadonlySet<Plane>
  ): void {
    const gl = this.gl;
    gl.enable(gl.BLEND); // labels of the tile before blend by alpha
    gl.blendFunc(gl.ONE, gl.ONE);
    gl.bindVertexArray(this._vao);
    for (const layer of layers) {
      if (layer.opacity <= 0 || layer.labels) continue;
      const texture = this._textures.texture(layer.plane, inUse);
      const integer = layer.plane.dtype === 'uint16' || layer.plane.dtype === 'uint32';
      const p = integer ? this._uint : this._float;
      gl.useProgram(p.program);
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, texture);
      gl.uniform1i(p.uniforms.u_data, 0);
      gl.activeTexture(gl.TEXTURE1);
      gl.bindTexture(gl.TEXTURE_2D, this._lut(layer.colormap));
      gl.uniform1i(p.uniforms.u_lut, 1);
      const [lo, hi] = layer.contrast;
      gl.uniform2f(p.uniforms.u_clim, lo, hi > lo ? hi : lo + 1);
      gl.uniform1f(p.uniforms.u_scale, FORMATS[layer.plane.dtype].scale);
      gl.uniform1f(p.uniforms.u_opacity, layer.opacity);
      gl.uniform1f(p.uniforms.u_gamma, layer.gamma > 0 ? layer.gamma : 1);
      gl.uniform2f(p.uniforms.u_size, layer.fullShape[1], layer.fullShape[0]);
      gl.uniform2f(p.uniforms.u_view, view[0], view[1]);
      gl.uniform3f(p.uniforms.u_camera, camera.zoom, camera.centerX, camera.centerY);
      gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    }
    // labels over the sum of the images, in layer order
    for (const layer of layers)
      if (layer.labels) this._labels.draw({ ...layer, mode: layer.labels }, camera, view);
    this._rois.draw(rois, camera, view);
    gl.bindVertexArray(this._vao);
  }

  dispose(): void {
    const gl = this.gl;
    this._textures.dispose();
    this._labels.dispose();
    this._rois.dispose();
    for (const lut of this._luts.values()) gl.deleteTexture(lut);
    this._luts.clear();
    gl.deleteBuffer(this._quad);
    gl.deleteVertexArray(this._vao);
    gl.deleteProgram(this._float.program);
    gl.deleteProgram(this._uint.program);
  }

  private _lut(name: Colormap): WebGLTexture {
    let lut = this._luts.get(name);
    if (lut) return lut;
    const gl = this.gl;
    lut = gl.createTexture()!;
    gl.bindTexture(gl.TEXTURE_2D, lut);
    gl.texImage2D(
      gl.TEXTURE_2D,
      0,
      gl.RGBA8,
      256,
      1,
      0,
      gl.RGBA,
      gl.UNSIGNED_BYTE,
      colormapLut(name)
    );
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    this._luts.set(name, lut);
    return lut;
  }

  private _program(fragmentSource: string): Program {
    const gl = this.gl;
    const compile = (type: number, source: string): WebGLShader => {
      const shader = gl.createShader(type)!;
      gl.shaderSource(shader, source);
      gl.compileShader(shader);
      if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) {
        throw new Error(
          `Pipeline viewer: shader failed to compile: ${gl.getShaderInfoLog(shader)}`
        );
      }
      return shader;
    };
    const program = gl.createProgram()!;
    gl.attachShader(program, compile(gl.VERTEX_SHADER, VERTEX));
    gl.attachShader(program, compile(gl.FRAGMENT_SHADER, fragmentSource));
    gl.bindAttribLocation(program, 0, 'a_pos');
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) {
      throw new Error(`Pipeline viewer: shader failed to link: ${gl.getProgramInfoLog(program)}`);
    }
    const uniforms: Program['uniforms'] = {};
    for (const name of [
      'u_data',
      'u_lut',
      'u_clim',
      'u_scale',
      'u_opacity',
      'u_gamma',
      'u_size',
      'u_view',
      'u_camera'
    ]) {
      uniforms[name] = gl.getUniformLocation(program, name);
    }
    return { program, uniforms };
  }

  private _float: Program;
  private _uint: Program;
  private _quad: WebGLBuffer;
  private _vao: WebGLVertexArrayObject;
  private _textures: TextureCache;
  private _labels: LabelsRenderer;
  private _rois: RoiRenderer;
  private _luts = new Map<Colormap, WebGLTexture>();
}
