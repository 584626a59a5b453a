#!/usr/bin/env node
/**
 * Producer for the viewer layout tests: a real pipeline run over a small synthetic plate.
 *   node ui-tests/helpers/stream-steps.mjs <work dir> <port> projection|two-layers
 * - projection: 1 well × 1 channel × 3 z-planes, one step taking the maximum over z (its
 *   output has one z while its input had three), streamed;
 * - two-layers: 1 well × 1 channel × 1 z, two streamed steps (the plane, and its inverse),
 *   so two layers are shown at the same position.
 * Prints one JSON line: { sent, dropped, errors }.
 */
import * as path from 'node:path';
import { compile, createNdArray, Pipeline, readPlate, run, Step } from '../../lib/runtime/index.js';
import { writeSyntheticPlate } from '../../lib/runtime/plate/synthetic-plate.js';

const [workDir, portText, kind] = process.argv.slice(2);
const port = Number(portText);
if (!workDir || !Number.isInteger(port) || !['projection', 'two-layers'].includes(kind)) {
  console.error('usage: stream-steps.mjs <work dir> <data port> projection|two-layers');
  process.exit(2);
}

const streaming = { enabled: true, port, colormap: 'gray' };

/** Maximum over the stack's planes: [z, y, x] → [1, y, x]. */
function maxProject(stack) {
  const [n, h, w] = stack.shape;
  const out = new Uint16Array(h * w);
  for (let p = 0; p < n; p++) {
    for (let i = 0; i < h * w; i++) out[i] = Math.max(out[i], stack.data[p * h * w + i]);
  }
  return createNdArray(out, [1, h, w], 'uint16');
}

function invert(stack) {
  return createNdArray(stack.data.map(v => 65535 - v), stack.shape, 'uint16');
}

const plateDir = path.join(workDir, `plate-${kind}`);
const zPlanes = kind === 'projection' ? 3 : 1;
await writeSyntheticPlate(plateDir, { wells: 1, sites: 1, channels: ['DAPI'], zPlanes, width: 128, height: 128, seed: 11 });
const plate = await readPlate(plateDir);
const steps =
  kind === 'projection'
    ? [new Step({ name: 'Max', func: maxProject, variableComponents: ['z_index'], streaming })]
    : [
        // only materialized outputs are streamed: the first step writes its own
        new Step({ name: 'Cells', func: stack => stack, materialization: { enabled: true }, streaming }),
        new Step({ name: 'Inverted', func: invert, streaming })
      ];
const pipeline = new Pipeline({ name: `ui-${kind}`, steps });
const plan = await compile(pipeline, plate, { output_dir: path.join(workDir, `out-${kind}`) });
const result = await run(plan);
console.log(JSON.stringify(result.stream.total));
process.exit(result.ok ? 0 : 1);
