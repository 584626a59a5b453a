#!/usr/bin/env node
// Halving one 2048² uint16 plane: the viewer server's JS 2×2 bin-shrink (lib/protocol/
// bin-shrink.js) against @itk-wasm/downsample's downsampleBinShrinkNode (shrink factor 2).
//   node scripts/bench-downsample.mjs [--runs 20]
// Build first (npx tsc -b). Prints the median time of each and checks the two agree.
import { downsampleBinShrinkNode } from '@itk-wasm/downsample';
import { binShrink2 } from '../lib/protocol/bin-shrink.js';

const i = process.argv.indexOf('--runs');
const RUNS = i > 0 ? Number(process.argv[i + 1]) : 20;
const SIDE = 2048;
const plane = Uint16Array.from({ length: SIDE * SIDE }, (_, k) => (k * 2654435761) >>> 20);

const image = {
  imageType: { dimension: 2, componentType: 'uint16', pixelType: 'Scalar', components: 1 },
  name: 'plane',
  origin: [0, 0],
  spacing: [1, 1],
  direction: new Float64Array([1, 0, 0, 1]),
  size: [SIDE, SIDE],
  metadata: new Map(),
  data: plane
};

const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(fn) {
  await fn(); // warm-up (JIT, wasm compile)
  const times = [];
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

let js;
const jsMs = await time(() => (js = binShrink2(plane, SIDE, SIDE, 'uint16')));
let itk;
const itkMs = await time(async () => (itk = (await downsampleBinShrinkNode({ ...image, data: plane.slice() }, { shrinkFactors: [2, 2] })).downsampled));
let maxDiff = 0;
for (let k = 0; k < js.length; k++) maxDiff = Math.max(maxDiff, Math.abs(js[k] - itk.data[k]));
console.log(`2048² uint16 → 1024², median of ${RUNS}:`);
console.log(`  JS bin-shrink (viewer server)       ${jsMs.toFixed(2)} ms`);
console.log(`  @itk-wasm/downsample bin-shrink     ${itkMs.toFixed(2)} ms  (output ${itk.size.join('×')}, includes the input copy itk-wasm needs)`);
console.log(`  largest pixel difference            ${maxDiff}`);
