/**
 * RoiRenderer: draws ROI overlays (model/roi-overlays.ts) over the image with WebGL2 lines
 * and points in image coordinates, so they pan and zoom with it: polygons and ellipses as
 * closed loops, paths as strips, points as 7 px squares, each in its object's color.
 */
import type { CameraState } from '../model/camera.js';
import type { RoiDrawShape } from '../model/roi-overlays.js';

const VERTEX = `#version 300 es
in vec2 a_xy;             // image pixels
in vec3 a_color;
uniform vec2 u_view;
uniform vec3 u_camera;
out vec3 v_color;
void main() {
  vec2 screen = (a_xy - u_camera.yz) * u_camera.x + u_view * 0.5;
  vec2 clip = screen / u_view * 2.0 - 1.0;
  gl_Position = vec4(clip.x, -clip.y, 0.0, 1.0);
  gl_PointSize = 7.0;
  v_color = a_color;
}`;

const FRAGMENT = `#version 300 es
precision highp float;
in vec3 v_color;
out vec4 color;
void main() { color = vec4(v_color, 1.0); }`;

export class RoiRenderer {
  constructor(private readonly gl: WebGL2RenderingContext) {
    const compile = (type: number, source: string): WebGLShader => {
      const shader = gl.createShader(type)!;
      gl.shaderSource(shader, source);
      gl.compileShader(shader);
      if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS))
        throw new Error(`Pipeline viewer: ROI shader failed: ${gl.getShaderInfoLog(shader)}`);
      return shader;
    };
    const program = gl.createProgram()!;
    gl.attachShader(program, compile(gl.VERTEX_SHADER, VERTEX));
    gl.attachShader(program, compile(gl.FRAGMENT_SHADER, FRAGMENT));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS))
      throw new Error(`Pipeline viewer: ROI shader failed: ${gl.getProgramInfoLog(program)}`);
    this._program = program;
    this._buffer = gl.createBuffer()!;
    this._vao = gl.createVertexArray()!;
    gl.bindVertexArray(this._vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, this._buffer);
    const xy = gl.getAttribLocation(program, 'a_xy');
    const rgb = gl.getAttribLocation(program, 'a_color');
    gl.enableVertexAttribArray(xy);
    gl.vertexAttribPointer(xy, 2, gl.FLOAT, false, 20, 0);
    gl.enableVertexAttribArray(rgb);
    gl.vertexAttribPointer(rgb, 3, gl.FLOAT, false, 20, 8);
    gl.bindVertexArray(null);
  }

  /** Draw `shapes` opaque over what is on the canvas; restores the images' blending. */
  draw(
    shapes: readonly RoiDrawShape[],
    camera: CameraState,
    view: readonly [number, number]
  ): void {
    if (shapes.length === 0) return;
    const gl = this.gl;
    let count = 0;
    for (const s of shapes) count += s.points.length;
    const data = new Float32Array(count * 5);
    let o = 0;
    for (const s of shapes)
      for (const [x, y] of s.points) {
        data.set([x, y, s.color[0] / 255, s.color[1] / 255, s.color[2] / 255], o);
        o += 5;
      }
    gl.useProgram(this._program);
    gl.bindVertexArray(this._vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, this._buffer);
    gl.bufferData(gl.ARRAY_BUFFER, data, gl.STREAM_DRAW);
    gl.uniform2f(gl.getUniformLocation(this._program, 'u_view'), view[0], view[1]);
    gl.uniform3f(
      gl.getUniformLocation(this._program, 'u_camera'),
      camera.zoom,
      camera.centerX,
      camera.centerY
    );
    gl.disable(gl.BLEND);
    let first = 0;
    for (const s of shapes) {
      const mode =
        s.draw === 'points' ? gl.POINTS : s.draw === 'strip' ? gl.LINE_STRIP : gl.LINE_LOOP;
      gl.drawArrays(mode, first, s.points.length);
      first += s.points.length;
    }
    gl.enable(gl.BLEND);
  }

  dispose(): void {
    this.gl.deleteBuffer(this._buffer);
    this.gl.deleteVertexArray(this._vao);
    this.gl.deleteProgram(this._program);
  }

  private readonly _program: WebGLProgram;
  private readonly _buffer: WebGLBuffer;
  private readonly _vao: WebGLVertexArrayObject;
}
