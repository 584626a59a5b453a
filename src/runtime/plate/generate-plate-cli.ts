#!/usr/bin/env node
/**
 * Writes a synthetic ImageXpress plate:
 *   node lib/runtime/plate/generate-plate-cli.js <dir> [--wells 8] [--sites 2] [--channels DAPI,GFP,RFP]
 *        [--z 3] [--timepoints 1] [--size 512] [--dtype uint16] [--seed 1]
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  writeSyntheticPlate,
  type SyntheticDtype,
  type SyntheticPlateOptions
} from './synthetic-plate.js';

export const USAGE =
  'usage: generate-plate-cli <dir> [--wells N|A01,B02] [--sites N] [--channels N|DAPI,GFP,RFP] [--z N] ' +
  '[--timepoints N] [--size N] [--dtype uint8|uint16|float32] [--seed N]';

/** The folder and plate options named by the command line; throws with the usage on bad input. */
export function parseGeneratePlateArgs(
  argv: string[]
): { dir: string; options: SyntheticPlateOptions } | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      wells: { type: 'string' },
      sites: { type: 'string' },
      channels: { type: 'string' },
      z: { type: 'string' },
      timepoints: { type: 'string' },
      size: { type: 'string' },
      dtype: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  });
  if (values.help) return 'help';
  if (positionals.length !== 1) {
    throw new Error(`expected one output folder, got ${positionals.length}\n${USAGE}`);
  }
  const num = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n))
      throw new Error(`--${name} must be a whole number, got '${v}'\n${USAGE}`);
    return n;
  };
  const list = (name: string, v: string | undefined): number | string[] | undefined =>
    v === undefined
      ? undefined
      : /^\d+$/.test(v)
        ? num(name, v)
        : v
            .split(',')
            .map(s => s.trim())
            .filter(Boolean);
  return {
    dir: positionals[0],
    options: {
      wells: list('wells', values.wells),
      sites: num('sites', values.sites),
      channels: list('channels', values.channels),
      zPlanes: num('z', values.z),
      timepoints: num('timepoints', values.timepoints),
      width: num('size', values.size),
      dtype: values.dtype as SyntheticDtype | undefined,
      seed: num('seed', values.seed)
    }
  };
}

async function main(argv: string[]): Promise<void> {
  const parsed = parseGeneratePlateArgs(argv);
  if (parsed === 'help') {
    console.log(USAGE);
    return;
  }
  const plate = await writeSyntheticPlate(parsed.dir, parsed.options);
  console.log(
    `Wrote ${plate.files.length} ${plate.dtype} TIFFs of ${plate.width}×${plate.height} ` +
      `(${(plate.bytes / 2 ** 20).toFixed(1)} MiB of pixels) to ${plate.dir} in ${(plate.elapsedMs / 1000).toFixed(1)} s\n` +
      `  wells ${plate.wells.join(' ')}; ${plate.sites} site(s), channels ${plate.channelNames.join(', ')}, ` +
      `${plate.zPlanes} z-plane(s), ${plate.timepoints} timepoint(s)\n` +
      `  channel names in ${plate.htd}`
  );
}

/** True when this file is the program being run (not imported by a test or a notebook). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`generate-plate: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
