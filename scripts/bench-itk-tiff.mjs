#!/usr/bin/env node
// Why TIFF does not go through itk-wasm (docs/benchmarks.md, "TIFF and zarr I/O"): the cost of
// one TIFF write and read through @itk-wasm/image-io, per call and broken down.
//   per call : writeImageNode / readImageNode as the disk backend used them (the wasm pipeline
//              is decompressed and instantiated on every call);
//   kept     : the same pipelines instantiated once and run again and again, split into
//              copy in (image into the wasm heap), encode / decode (the pipeline's main),
//              copy out (file bytes or pixels out of the wasm heap) and fs (Node file I/O).
//   node scripts/bench-itk-tiff.mjs [--runs 30]
// Uses itk-wasm internals by file path (its package exports hide them): a measurement, not API.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readImageNode, writeImageNode } from '@itk-wasm/image-io';
import { InterfaceTypes } from 'itk-wasm';

// Both packages keep their files under dist/, next to the entry point Node resolves.
const distOf = pkg => path.dirname(fileURLToPath(import.meta.resolve(pkg))) + '/';
const itkDist = distOf('itk-wasm');
const ioDist = distOf('@itk-wasm/image-io');
const internal = async file => (await import(pathToFileURL(itkDist + file).href)).default;
const loadModule = await internal('pipeline/internal/load-emscripten-module-node.js');
const runPipeline = await internal('pipeline/internal/run-pipeline-emscripten.js');

const i = process.argv.indexOf('--runs');
const RUNS = i > 0 ? Number(process.argv[i + 1]) : 30;
const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-itk-'));
const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f = x => x.toFixed(x >= 10 ? 1 : 2);

let t = performance.now();
const writer = await loadModule(ioDist + 'pipelines/tiff-write-image');
const reader = await loadModule(ioDist + 'pipelines/tiff-read-image');
const instantiate = (performance.now() - t) / 2;

// Warm-up: V8 compiles wasm with a baseline tier first and optimizes the hot functions later.
{
  const data = new Uint16Array(256 * 256);
  const image = {
    imageType: { dimension: 2, componentType: 'uint16', pixelType: 'Scalar', components: 1 },
    name: 'warm-up',
    origin: [0, 0],
    spacing: [1, 1],
    direction: new Float64Array([1, 0, 0, 1]),
    size: [256, 256],
    data,
    metadata: new Map()
  };
  for (let r = 0; r < 20; r++) {
    runPipeline(
      writer,
      ['0', '0', '/w.tif', '--memory-io'],
      [{ type: InterfaceTypes.JsonCompatible }],
      [{ type: InterfaceTypes.Image, data: image }]
    );
    reader.fs_writeFile('/r.tif', writer.fs_readFile('/w.tif'));
    runPipeline(
      reader,
      ['/r.tif', '0', '1', '--memory-io'],
      [{ type: InterfaceTypes.JsonCompatible }, { type: InterfaceTypes.Image }],
      []
    );
  }
}

const rows = [];
for (const size of [256, 512, 2048]) {
  const data = new Uint16Array(size * size).map((_, k) => (k * 7) % 60000);
  const image = {
    imageType: { dimension: 2, componentType: 'uint16', pixelType: 'Scalar', components: 1 },
    name: 'plane',
    origin: [0, 0],
    spacing: [1, 1],
    direction: new Float64Array([1, 0, 0, 1]),
    size: [size, size],
    data,
    metadata: new Map()
  };
  const runs = size === 2048 ? Math.max(3, RUNS >> 3) : RUNS;
  const m = { callWrite: [], callRead: [], copyIn: [], encode: [], copyOutW: [], fsW: [] };
  Object.assign(m, { fsR: [], copyInR: [], decode: [], copyOutR: [] });
  // The pipeline's main, timed by wrapping the module's own function; the rest of a pipeline
  // run is the copy of the image into (write) or out of (read) the wasm heap, and JSON glue.
  let mainMs = 0;
  for (const mod of [writer, reader]) {
    const callMain = mod.callMain.bind(mod);
    mod.callMain = a => {
      const s = performance.now();
      try {
        return callMain(a);
      } finally {
        mainMs += performance.now() - s;
      }
    };
  }
  for (let r = 0; r < runs + 2; r++) {
    const file = path.join(dir, `p${size}_${r}.tif`);
    const keep = r >= 2; // two warm-up runs (JIT, wasm tier-up)
    let s = performance.now();
    await writeImageNode(image, path.join(dir, `call${size}_${r}.tif`));
    const callWrite = performance.now() - s;
    s = performance.now();
    await readImageNode(path.join(dir, `call${size}_${r}.tif`));
    const callRead = performance.now() - s;

    mainMs = 0;
    s = performance.now();
    runPipeline(
      writer,
      ['0', '0', '/w.tif', '--memory-io'],
      [{ type: InterfaceTypes.JsonCompatible }],
      [{ type: InterfaceTypes.Image, data: image }]
    );
    const pipelineW = performance.now() - s;
    const [encode, copyIn] = [mainMs, pipelineW - mainMs];
    s = performance.now();
    const bytes = writer.fs_readFile('/w.tif');
    writer.fs_unlink('/w.tif');
    const copyOutW = performance.now() - s;
    s = performance.now();
    writeFileSync(file, bytes);
    const fsW = performance.now() - s;

    s = performance.now();
    const back = readFileSync(file);
    const fsR = performance.now() - s;
    s = performance.now();
    reader.fs_writeFile('/r.tif', back);
    const copyInR = performance.now() - s;
    mainMs = 0;
    s = performance.now();
    runPipeline(
      reader,
      ['/r.tif', '0', '1', '--memory-io'],
      [{ type: InterfaceTypes.JsonCompatible }, { type: InterfaceTypes.Image }],
      []
    );
    const pipelineR = performance.now() - s;
    reader.fs_unlink('/r.tif');
    if (!keep) continue;
    for (const [k, v] of Object.entries({
      callWrite,
      callRead,
      copyIn,
      encode,
      copyOutW,
      fsW,
      fsR,
      copyInR
    }))
      m[k].push(v);
    m.decode.push(mainMs);
    m.copyOutR.push(pipelineR - mainMs);
  }
  rows.push([size, m]);
}
rmSync(dir, { recursive: true, force: true });

console.log(
  `itk-wasm TIFF, uint16 planes, median of ${RUNS} runs (2048²: fewer); load average ${os
    .loadavg()
    .map(x => x.toFixed(2))
    .join(', ')}`
);
console.log(
  `instantiate one pipeline (zstd-decompress + compile + instantiate): ${f(instantiate)} ms\n`
);
console.log(
  '| size | per call: write | read | kept: copy in | encode | copy out | fs write | = write | fs read | copy in | decode + copy out | = read |'
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const [size, m] of rows) {
  const md = k => median(m[k]);
  const w = md('copyIn') + md('encode') + md('copyOutW') + md('fsW');
  const r = md('fsR') + md('copyInR') + md('decode') + md('copyOutR');
  console.log(
    `| ${size}² | ${f(md('callWrite'))} | ${f(md('callRead'))} | ${f(md('copyIn'))} | ${f(md('encode'))} | ` +
      `${f(md('copyOutW'))} | ${f(md('fsW'))} | ${f(w)} | ${f(md('fsR'))} | ${f(md('copyInR'))} | ` +
      `${f(md('decode') + md('copyOutR'))} | ${f(r)} |`
  );
}
