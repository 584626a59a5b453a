#!/usr/bin/env node
/**
 * Producer for the ui-tests: writes a small synthetic plate and runs a real pipeline whose
 * step streams to the viewer server on the given data port (the runtime's own producer).
 *   node ui-tests/helpers/stream-plate.mjs <work dir> <port>
 * Prints one JSON line: { sent, dropped, errors, wells, channels }.
 */
import * as path from 'node:path';
import { compile, Pipeline, readPlate, run, Step } from '../../lib/runtime/index.js';
import { writeSyntheticPlate } from '../../lib/runtime/plate/synthetic-plate.js';

const [workDir, portText] = process.argv.slice(2);
const port = Number(portText);
if (!workDir || !Number.isInteger(port)) {
  console.error('usage: stream-plate.mjs <work dir> <data port>');
  process.exit(2);
}

const plateDir = path.join(workDir, 'plate');
await writeSyntheticPlate(plateDir, { wells: 2, sites: 1, channels: ['DAPI', 'GFP'], zPlanes: 1, width: 128, height: 128, seed: 7 });
const plate = await readPlate(plateDir);
const pipeline = new Pipeline({
  name: 'ui-test',
  steps: [new Step({ name: 'Cells', func: (stack) => stack, streaming: { enabled: true, port, colormap: 'gray' } })]
});
const plan = await compile(pipeline, plate, { output_dir: path.join(workDir, 'out') });
const result = await run(plan);
console.log(JSON.stringify({ ...result.stream.total, wells: plate.wells, channels: plate.channelNames }));
process.exit(result.ok ? 0 : 1);
