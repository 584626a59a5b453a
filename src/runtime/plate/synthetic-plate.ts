/**
 * Writes a synthetic ImageXpress plate for tests and the demo: one TIFF per well × site ×
 * channel × z × timepoint named `A01_s001_w1_z001_t001.tif`, and a `<plate>.HTD` naming the
 * channels. Images show cell-like blobs (see synthetic-cells.ts) that differ per well (count,
 * positions, brightness) and per channel. Same options and seed → byte-identical files.
 *
 * The plate is written into a temporary folder beside the target (`.partial-…`, which readers
 * skip) and renamed into place when complete, so a reader finds no plate or all of it. When
 * two writers race for one folder (two notebooks generating the demo plate), the first rename
 * wins and the other keeps that plate if it was made with the same options.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TEMP_MARK } from '../storage/atomic-write.js';
import { bytesPerElement } from '../../protocol/index.js';
import { createNdArray } from '../model/image-data.js';
import { DiskBackend } from '../storage/disk-backend.js';
import { formatImageXpressName, splitWell } from '../model/image-xpress.js';
import { formatHtd } from './htd.js';
import {
  drawCells,
  hashSeed,
  layoutCells,
  cellsPerSite,
  mulberry32,
  normalTable,
  wellLook
} from './synthetic-cells.js';

export type SyntheticDtype = 'uint8' | 'uint16' | 'float32';

export interface SyntheticPlateOptions {
  /** Number of wells (taken row by row: A01, A02, …) or their names. Default 8. */
  wells?: number | string[];
  /** Sites per well. Default 2. */
  sites?: number;
  /** Channel names, or a count (names then DAPI, GFP, RFP, Cy5, …). Default DAPI, GFP, RFP. */
  channels?: number | string[];
  /** z-planes per site. Default 3. */
  zPlanes?: number;
  /** Timepoints. Default 1. */
  timepoints?: number;
  /** Image width and height in pixels. Default 512. */
  width?: number;
  height?: number;
  dtype?: SyntheticDtype;
  /** PRNG seed; the same seed gives the same plate. Default 1. */
  seed?: number;
}

/** What was written: the plate's layout (the options, resolved, without the seed) and where. */
export interface SyntheticPlate extends Omit<ResolvedOptions, 'seed'> {
  dir: string;
  htd: string;
  files: string[];
  bytes: number;
  elapsedMs: number;
  /** The true number of cells drawn in each site of a well (every site of a well has as many). */
  cellsPerSite: Record<string, number>;
}

const CHANNEL_NAMES = ['DAPI', 'GFP', 'RFP', 'Cy5', 'Brightfield', 'Cy3', 'FITC', 'TRITC'];
const ROW_LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Signal scale per dtype: background, brightest cell, noise floor. */
const LEVELS: Record<
  SyntheticDtype,
  { background: number; peak: number; noise: number; shot: number; max: number }
> = {
  uint8: { background: 8, peak: 200, noise: 2, shot: 0.25, max: 255 },
  uint16: { background: 200, peak: 20000, noise: 12, shot: 0.6, max: 65535 },
  float32: { background: 0.01, peak: 1, noise: 0.004, shot: 0.004, max: Infinity }
};

export async function writeSyntheticPlate(
  dir: string,
  options: SyntheticPlateOptions = {}
): Promise<SyntheticPlate> {
  const started = performance.now();
  const o = resolveOptions(options);
  const target = path.resolve(dir);
  // LOOK names the drawing: a plate drawn by an older look is drawn again.
  const stamp = JSON.stringify({ ...o, look: LOOK });
  if ((await markerOf(target)) === stamp) return describe(target, o, started);
  const root = path.join(
    path.dirname(target),
    `${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}-${path.basename(target)}`
  );
  await mkdir(root, { recursive: true });
  try {
    await writePlateFiles(root, path.basename(target), o);
    await writeFile(path.join(root, MARKER), stamp);
    await rename(root, target);
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    // Another writer (or an earlier run) put a plate there first.
    if ((await markerOf(target)) !== stamp) {
      throw new Error(
        `writeSyntheticPlate: '${target}' already holds a different plate (or other files); ` +
          'remove it or choose another folder'
      );
    }
  }
  return describe(target, o, started);
}

/** Version of the drawing (2: cell counts follow the columns). */
const LOOK = 2;

/** Records the options a plate was made with: a plate with them is not written again. */
const MARKER = '.synthetic-plate.json';

async function markerOf(dir: string): Promise<string | null> {
  return readFile(path.join(dir, MARKER), 'utf8').catch(() => null);
}

/** What a plate made with these options holds, in `root`. */
function describe(root: string, o: ResolvedOptions, started: number): SyntheticPlate {
  const files: string[] = [];
  for (const well of o.wells)
    for (let site = 1; site <= o.sites; site++)
      for (let t = 1; t <= o.timepoints; t++)
        for (let c = 1; c <= o.channelNames.length; c++)
          for (let z = 1; z <= o.zPlanes; z++)
            files.push(
              path.join(
                root,
                formatImageXpressName({ well, site, channel: c, z_index: z, timepoint: t })
              )
            );
  return {
    dir: root,
    htd: path.join(root, `${path.basename(root)}.HTD`),
    files,
    wells: o.wells,
    sites: o.sites,
    channelNames: o.channelNames,
    zPlanes: o.zPlanes,
    timepoints: o.timepoints,
    width: o.width,
    height: o.height,
    dtype: o.dtype,
    bytes: files.length * o.width * o.height * bytesPerElement(o.dtype),
    elapsedMs: performance.now() - started,
    cellsPerSite: Object.fromEntries(
      o.wells.map(w => [w, cellsPerSite(o.seed, w, Math.min(o.width, o.height))])
    )
  };
}

/** The TIFFs and the .HTD (named after the plate) into `root`. */
async function writePlateFiles(root: string, name: string, o: ResolvedOptions): Promise<void> {
  const disk = new DiskBackend();
  const noise = normalTable(o.seed);
  const levels = LEVELS[o.dtype];
  const nChannels = o.channelNames.length;
  const pixels = o.width * o.height;
  const signal = new Float32Array(pixels);

  for (const well of o.wells) {
    const look = wellLook(o.seed, well, nChannels, Math.min(o.width, o.height));
    for (let site = 1; site <= o.sites; site++) {
      const cells = layoutCells(o.seed, well, site, look, o.width, o.height, o.zPlanes);
      for (let t = 1; t <= o.timepoints; t++) {
        for (let c = 1; c <= nChannels; c++) {
          for (let z = 1; z <= o.zPlanes; z++) {
            signal.fill(0);
            drawCells(
              signal,
              o.width,
              o.height,
              cells,
              c - 1,
              z - 1,
              t - 1,
              levels.peak * look.channelGain[c - 1]
            );
            const rand = mulberry32(hashSeed(o.seed, well, site, c, z, t));
            const data = toPixels(
              signal,
              o.dtype,
              levels,
              noise,
              Math.floor(rand() * noise.length),
              1 + 2 * Math.floor(rand() * 1000)
            );
            const file = path.join(
              root,
              formatImageXpressName({ well, site, channel: c, z_index: z, timepoint: t })
            );
            await disk.save(createNdArray(data, [o.height, o.width], o.dtype), file);
          }
        }
      }
    }
  }

  const cols = o.wells.length <= 96 ? 12 : o.wells.length <= 384 ? 24 : 48;
  const htd = path.join(root, `${name}.HTD`);
  await writeFile(
    htd,
    formatHtd({
      description: `Synthetic plate, seed ${o.seed}`,
      rows: cols === 12 ? 8 : cols === 24 ? 16 : 32,
      columns: cols,
      sites: o.sites,
      channelNames: o.channelNames,
      zPlanes: o.zPlanes,
      timepoints: o.timepoints
    })
  );
}

/** Background + signal + noise (read noise plus signal-dependent shot noise), clamped. */
function toPixels(
  signal: Float32Array,
  dtype: SyntheticDtype,
  levels: (typeof LEVELS)[SyntheticDtype],
  noise: Float32Array,
  offset: number,
  stride: number
): Uint8Array | Uint16Array | Float32Array {
  const n = signal.length;
  const out =
    dtype === 'uint8'
      ? new Uint8Array(n)
      : dtype === 'uint16'
        ? new Uint16Array(n)
        : new Float32Array(n);
  const mask = noise.length - 1; // power of two
  let k = offset;
  for (let i = 0; i < n; i++) {
    const s = signal[i];
    const v = levels.background + s + noise[k & mask] * (levels.noise + levels.shot * Math.sqrt(s));
    k += stride;
    out[i] = dtype === 'float32' ? v : v < 0 ? 0 : v > levels.max ? levels.max : Math.round(v);
  }
  return out;
}

interface ResolvedOptions {
  wells: string[];
  sites: number;
  channelNames: string[];
  zPlanes: number;
  timepoints: number;
  width: number;
  height: number;
  dtype: SyntheticDtype;
  seed: number;
}

function resolveOptions(options: SyntheticPlateOptions): ResolvedOptions {
  const count = (
    name: string,
    value: number | undefined,
    fallback: number,
    max: number
  ): number => {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || v < 1 || v > max) {
      throw new RangeError(
        `writeSyntheticPlate: ${name} must be a whole number from 1 to ${max}, got ${value}`
      );
    }
    return v;
  };
  let wells: string[];
  if (Array.isArray(options.wells)) {
    wells = options.wells.map(w => {
      const { row, column } = splitWell(w);
      return `${row}${String(column).padStart(2, '0')}`;
    });
    if (wells.length === 0)
      throw new RangeError(
        'writeSyntheticPlate: wells is an empty list; give at least one well like A01'
      );
  } else {
    const n = count('wells', options.wells, 8, 1536);
    const cols = n <= 96 ? 12 : n <= 384 ? 24 : 48;
    wells = Array.from(
      { length: n },
      (_, i) => `${rowName(Math.floor(i / cols))}${String((i % cols) + 1).padStart(2, '0')}`
    );
  }
  const channelNames = Array.isArray(options.channels)
    ? options.channels
    : Array.from(
        { length: count('channels', options.channels, 3, 32) },
        (_, i) => CHANNEL_NAMES[i] ?? `Channel ${i + 1}`
      );
  if (channelNames.length === 0)
    throw new RangeError('writeSyntheticPlate: channels is an empty list; give at least one name');
  const dtype = options.dtype ?? 'uint16';
  if (!(dtype in LEVELS))
    throw new RangeError(
      `writeSyntheticPlate: dtype must be uint8, uint16 or float32, got '${dtype}'`
    );
  const seed = options.seed ?? 1;
  if (!Number.isFinite(seed))
    throw new RangeError(`writeSyntheticPlate: seed must be a number, got ${seed}`);
  const width = count('width', options.width, 512, 16384);
  return {
    wells,
    sites: count('sites', options.sites, 2, 999),
    channelNames,
    zPlanes: count('zPlanes', options.zPlanes, 3, 999),
    timepoints: count('timepoints', options.timepoints, 1, 999),
    width,
    height: count('height', options.height, width, 16384),
    dtype,
    seed
  };
}

function rowName(i: number): string {
  return i < 26 ? ROW_LETTERS[i] : ROW_LETTERS[Math.floor(i / 26) - 1] + ROW_LETTERS[i % 26];
}
