#!/usr/bin/env node
/**
 * Producer for the navigation tests (nav-*.spec.ts) and scripts/bench-viewer.mjs: a real
 * pipeline run over a synthetic plate of many wells, streamed to the viewer server.
 *   node ui-tests/helpers/stream-wells.mjs <work dir> <port> <wells> <channels> <size>
 * The plate is written once per (wells, channels, size) and reused, so a second call is a
 * re-run of the same plate (the run clears what the viewer holds first, as OpenHCS does).
 * Prints one JSON line: { sent, dropped, wells, channels }.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compile, Pipeline, readPlate, run, Step } from '../../lib/runtime/index.js';
import { writeSyntheticPlate } from '../../lib/runtime/plate/synthetic-plate.js';

const [workDir, portText, wellsText, channelsText, sizeText] = process.argv.slice(2);
const [port, wells, channels, size] = [portText, wellsText, channelsText, sizeText].map(Number);
if (!workDir || ![port, wells, channels, size].every(n => Number.isInteger(n) && n > 0)) {
  console.error('usage: stream-wells.mjs <work dir> <data port> <wells> <channels> <size px>');
  process.exit(2);
}

const names = ['DAPI', 'GFP', 'RFP', 'Cy5'].slice(0, channels);
const plateDir = path.join(workDir, `plate-${wells}x${channels}-${size}`);
if (!fs.existsSync(path.join(plateDir, 'done'))) {
  await writeSyntheticPlate(plateDir, {
    wells,
    sites: 1,
    channels: names,
    zPlanes: 1,
    width: size,
    height: size,
    seed: 5
  });
  fs.writeFileSync(path.join(plateDir, 'done'), '');
}
const plate = await readPlate(plateDir);
const pipeline = new Pipeline({
  name: 'nav',
  steps: [
    new Step({
      name: 'Cells',
      func: stack => stack,
      streaming: { enabled: true, port, colormap: 'gray' }
    })
  ]
});
const plan = await compile(pipeline, plate, { output_dir: path.join(workDir, 'out') });
const result = await run(plan);
console.log(
  JSON.stringify({ ...result.stream.total, wells: plate.wells, channels: plate.channelNames })
);
process.exit(result.ok ? 0 : 1);
