/**
 * LabelsRenderer: draws a labels layer over the images, as napari does: each id in its own
 * color (model/labels-colors.ts, painted on the CPU into an RGBA texture, nearest sampling so
 * object borders stay sharp), 0 transparent, filled or as outlines, blended by the layer's
 * opacity (alpha blending, not the images' additive one). GlRenderer calls it after the
 * image layers, on its own context and quad.
 */
import type { CameraState } from '../model/camera.js';
import { labelsRgba, type LabelsMode } from '../model/labels-colors.js';
import type { Plane } from '../model/plane.js';

export const LABELS_VERTEX = `#version 300 es
in vec2 a_pos;
uniform vec2 u_size;
uniform vec2 u_view;
uniform vec3 u_camera;
out vec2 v_uv;
void main() {
  vec2 screen = (a_pos * u_size - u_camera.yz) * u_camera.x + u_view * 0.5;
  vec2 clip = screen / u_view * 2.0 - 1.0;
  gl_Position = vec4(clip.x, -clip.y, 0.0, 1.0);
  v_uv = a_pos;
}`;

const FRAGMENT = `#version 300 es
precision highp float;
uniform sampler2D u_rgba;
uniform float u_opacity;
in vec2 v_uv;
out vec4 color;
void main() {
  vec4 c = texture(u_rgba, v_uv);
  color = vec4(c.rgb, c.a * u_opacity);
}`;

export interface LabelsDraw {
  key: string;
  plane: Plane;
  fullShape: readonly [number, number];
  mode: LabelsMode;
  opacity: number;
}

interface Painted {
  plane: Plane;
  mode: LabelsMode;
  texture: WebGLTexture;
  shape: readonly [number, number];
}

/** Textures kept: one per labels layer drawn recently. */
const MAX_PAINTED = 8;

export class LabelsRenderer {
  constructor(private readonly gl: WebGL2RenderingContext) {
    const compile = (type: number, source: string): WebGLShader => {
      const shader = gl.createShader(type)!;
      gl.shaderSource(shader, source);
      gl.compileShader(shader);
      if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS))
        throw new Error(`Pipeline viewer: labels shader failed: ${gl.getShaderInfoLog(shader)}`);
      return shader;
    };
    const program = gl.createProgram()!;
    gl.attachShader(program, compile(gl.VERTEX_SHADER, LABELS_VERTEX));
    gl.attachShader(program, compile(gl.FRAGMENT_SHADER, FRAGMENT));
    gl.bindAttribLocation(program, 0, 'a_pos'); // the quad GlRenderer's vertex array feeds
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS))
      throw new Error(`Pipeline viewer: labels shader failed: ${gl.getProgramInfoLog(program)}`);
    this._program = program;
    for (const name of ['u_rgba', 'u_opacity', 'u_size', 'u_view', 'u_camera'])
      this._uniforms[name] = gl.getUniformLocation(program, name);
  }

  /** Draw one labels layer; the caller has bound the quad's vertex array. */
  draw(layer: LabelsDraw, camera: CameraState, view: readonly [number, number]): void {
    if (layer.opacity <= 0) return;
    const gl = this.gl;
    const texture = this._texture(layer);
    gl.useProgram(this._program);
    gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, texture);
    const u = this._uniforms;
    gl.uniform1i(u.u_rgba, 0);
    gl.uniform1f(u.u_opacity, layer.opacity);
    gl.uniform2f(u.u_size, layer.fullShape[1], layer.fullShape[0]);
    gl.uniform2f(u.u_view, view[0], view[1]);
    gl.uniform3f(u.u_camera, camera.zoom, camera.centerX, camera.centerY);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    gl.blendFunc(gl.ONE, gl.ONE); // back to the images' additive blending
  }

  dispose(): void {
    for (const p of this._painted.values()) this.gl.deleteTexture(p.texture);
    this._painted.clear();
    this.gl.deleteProgram(this._program);
  }

  /** The layer's RGBA texture, repainted only when its plane or mode changed. */
  private _texture(layer: LabelsDraw): WebGLTexture {
    const gl = this.gl;
    let painted = this._painted.get(layer.key);
    if (painted && painted.plane === layer.plane && painted.mode === layer.mode) {
      this._painted.delete(layer.key);
      this._painted.set(layer.key, painted); // most recent last
      return painted.texture;
    }
    const [h, w] = layer.plane.shape;
    const rgba = labelsRgba(layer.plane.data, h, w, layer.mode);
    if (!painted) {
      painted = {
        plane: layer.plane,
        mode: layer.mode,
        texture: gl.createTexture()!,
        shape: [0, 0]
      };
      gl.bindTexture(gl.TEXTURE_2D, painted.texture);
      for (const p of [gl.TEXTURE_MIN_FILTER, gl.TEXTURE_MAG_FILTER])
        gl.texParameteri(gl.TEXTURE_2D, p, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    }
    gl.bindTexture(gl.TEXTURE_2D, painted.texture);
    if (painted.shape[0] === h && painted.shape[1] === w)
      gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, rgba);
    else gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, w, h, 0, gl.RGBA, gl.UNSIGNED_BYTE, rgba);
    this._painted.delete(layer.key);
    this._painted.set(layer.key, {
      plane: layer.plane,
      mode: layer.mode,
      texture: painted.texture,
      shape: [h, w]
    });
    for (const [key, old] of this._painted) {
      if (this._painted.size <= MAX_PAINTED) break;
      gl.deleteTexture(old.texture);
      this._painted.delete(key);
    }
    return painted.texture;
  }

  private readonly _program: WebGLProgram;
  private readonly _uniforms: Record<string, WebGLUniformLocation | null> = {};
  private readonly _painted = new Map<string, Painted>();
}
