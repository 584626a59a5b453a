#!/usr/bin/env node
/**
 * What one canvas draw costs the GPU process on SwiftShader (docs/benchmarks.md, P3/P4: "where
 * the widget's time went"): the widget's fragment shader (usampler2D R16UI plane, contrast,
 * gamma `pow`, 256×1 LUT, additive blending) drawn over a 1160 × 853 canvas, timed from the
 * first call to a 1-pixel `readPixels` (which waits until the GPU process has drawn), with
 * variants: without `pow`, without the LUT, a 1024² texture, one layer instead of 4, DPR 2's
 * canvas, a clear alone. Debian Chromium, the flags of the panel benchmarks; variants
 * alternate within each of `--rounds` rounds (default 5); median and min–max in ms.
 *   node scripts/bench-panel-shader.mjs [--rounds 5]
 */
import * as os from 'node:os';
import { loadLine, median, range } from './bench-stats.mjs';
import { launchChromium } from './bench-chromium.mjs';

const args = process.argv.slice(2);
const ROUNDS = Number(args.includes('--rounds') ? args[args.indexOf('--rounds') + 1] : 5);
const loadBefore = os.loadavg()[0];
const browser = await launchChromium();
const pg = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
await pg.setContent('<canvas id=c width=1160 height=853></canvas>');
const out = await pg.evaluate(async rounds => {
  const cv = document.getElementById('c');
  const gl = cv.getContext('webgl2', {
    preserveDrawingBuffer: true,
    antialias: false,
    alpha: false,
    premultipliedAlpha: false
  });
  const V = `#version 300 es
in vec2 a_pos; out vec2 v_uv; void main(){ gl_Position=vec4(a_pos*2.0-1.0,0.0,1.0); v_uv=a_pos; }`;
  const F = (gamma, lut) => `#version 300 es
precision highp float; precision highp usampler2D;
uniform usampler2D u_data; uniform sampler2D u_lut; uniform vec2 u_clim; uniform float u_gamma;
in vec2 v_uv; out vec4 color;
void main(){ float v=float(texture(u_data,v_uv).r); float t=clamp((v-u_clim.x)/(u_clim.y-u_clim.x),0.0,1.0);
 if (v != v) t = 0.0;
 ${gamma === 'always' ? 't=pow(t,u_gamma);' : gamma === 'branch' ? 'if (u_gamma != 1.0) t=pow(t,u_gamma);' : ''}
 vec3 rgb = ${lut ? 'texture(u_lut, vec2(t*(255.0/256.0)+0.5/256.0,0.5)).rgb' : 'vec3(t)'};
 color=vec4(rgb,1.0); }`;
  const prog = fs => {
    const p = gl.createProgram();
    for (const [t, s] of [
      [gl.VERTEX_SHADER, V],
      [gl.FRAGMENT_SHADER, fs]
    ]) {
      const sh = gl.createShader(t);
      gl.shaderSource(sh, s);
      gl.compileShader(sh);
      if (!gl.getShaderParameter(sh, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(sh));
      gl.attachShader(p, sh);
    }
    gl.bindAttribLocation(p, 0, 'a_pos');
    gl.linkProgram(p);
    return p;
  };
  const buf = gl.createBuffer();
  gl.bindBuffer(gl.ARRAY_BUFFER, buf);
  gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, 0, 1, 0, 0, 1, 1, 1]), gl.STATIC_DRAW);
  gl.enableVertexAttribArray(0);
  gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
  gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
  const tex = n => {
    const t = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, t);
    gl.texStorage2D(gl.TEXTURE_2D, 1, gl.R16UI, n, n);
    for (const p of [gl.TEXTURE_MIN_FILTER, gl.TEXTURE_MAG_FILTER])
      gl.texParameteri(gl.TEXTURE_2D, p, gl.NEAREST);
    const d = new Uint16Array(n * n);
    for (let i = 0; i < d.length; i++) d[i] = (i * 2654435761) >>> 20;
    gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, n, n, gl.RED_INTEGER, gl.UNSIGNED_SHORT, d);
    return t;
  };
  const lut = gl.createTexture();
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
    new Uint8Array(1024).fill(200)
  );
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
  const px = new Uint8Array(4);
  const t2048 = tex(2048),
    t1024 = tex(1024);
  const progs = {
    full: prog(F('always', true)),
    branch: prog(F('branch', true)),
    nolut: prog(F('branch', false))
  };
  const run = (p, t, layers, w, h) => {
    cv.width = w;
    cv.height = h;
    gl.viewport(0, 0, w, h);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
    const t0 = performance.now();
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE);
    gl.useProgram(p);
    gl.uniform1i(gl.getUniformLocation(p, 'u_data'), 0);
    gl.uniform1i(gl.getUniformLocation(p, 'u_lut'), 1);
    gl.uniform2f(gl.getUniformLocation(p, 'u_clim'), 0, 4000);
    gl.uniform1f(gl.getUniformLocation(p, 'u_gamma'), 1);
    gl.activeTexture(gl.TEXTURE1);
    gl.bindTexture(gl.TEXTURE_2D, lut);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, t);
    for (let i = 0; i < layers; i++) gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
    return performance.now() - t0;
  };
  const variants = {
    'current 4 ch 2048² tex': [progs.full, t2048, 4, 1160, 853],
    'pow only if γ≠1': [progs.branch, t2048, 4, 1160, 853],
    'no LUT': [progs.nolut, t2048, 4, 1160, 853],
    '1024² texture': [progs.full, t1024, 4, 1160, 853],
    '1 channel': [progs.full, t2048, 1, 1160, 853],
    'canvas 2320×1706 (DPR 2)': [progs.full, t2048, 4, 2320, 1706],
    'clear only': [progs.full, t2048, 0, 1160, 853]
  };
  const res = {};
  for (const k in variants) res[k] = [];
  for (let r = 0; r < rounds; r++) for (const k in variants) res[k].push(run(...variants[k]));
  return res;
}, ROUNDS);
await browser.close();
const base = median(out['current 4 ch 2048² tex']);
for (const [k, v] of Object.entries(out))
  console.log(
    `${k}: ${median(v).toFixed(0)} ms (${range(v, 0)}), ${(median(v) / base).toFixed(2)}× the widget's 4-channel draw`
  );
console.log(
  `Load average (1 min) ${loadBefore.toFixed(1)} → ${os.loadavg()[0].toFixed(1)}. ${loadLine()}`
);
