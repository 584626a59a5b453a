/**
 * Channel names from ImageXpress plate metadata. MetaXpress writes a `<plate>.HTD` text file next
 * to the images (above the `TimePoint_N` folders) whose lines look like
 * `"WaveName1", "DAPI"` (channel w1 is DAPI) and `"NWavelengths", 3`. That file is the only
 * source of channel names we use; without it a channel is known by its number only.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Parses the text of an .HTD file; returns channel number (as string) → name. */
export function parseHtdChannelNames(text: string): Record<string, string> {
  const names: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*"WaveName(\d+)"\s*,\s*"([^"]*)"/i.exec(line);
    if (match && match[2].trim() !== '')
      names[String(Number.parseInt(match[1], 10))] = match[2].trim();
  }
  return names;
}

/** Writes the lines of an .HTD describing a plate (enough for MetaXpress-style readers and us). */
export function formatHtd(options: {
  description?: string;
  rows: number;
  columns: number;
  sites: number;
  channelNames: string[];
  zPlanes: number;
  timepoints: number;
}): string {
  const lines = [
    '"HTSInfoFile", Version 1.0',
    `"Description", "${options.description ?? 'Synthetic plate'}"`,
    `"TimePoints", ${options.timepoints}`,
    `"ZSeries", ${options.zPlanes > 1 ? 'TRUE' : 'FALSE'}`,
    `"ZSteps", ${options.zPlanes}`,
    `"XWells", ${options.columns}`,
    `"YWells", ${options.rows}`,
    `"Sites", ${options.sites > 1 ? 'TRUE' : 'FALSE'}`,
    `"XSites", ${options.sites}`,
    '"YSites", 1',
    '"Waves", TRUE',
    `"NWavelengths", ${options.channelNames.length}`,
    ...options.channelNames.flatMap((name, i) => [
      `"WaveName${i + 1}", "${name}"`,
      `"WaveCollect${i + 1}", 1`
    ]),
    '"EndFile"'
  ];
  return lines.join('\r\n') + '\r\n';
}

/** Finds the first `*.HTD` (any case) in `dir` and reads its channel names; `{}` when none. */
export async function readHtdChannelNames(
  dir: string
): Promise<{ file: string | null; names: Record<string, string> }> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return { file: null, names: {} };
  }
  const htd = entries.filter(e => e.toLowerCase().endsWith('.htd')).sort()[0];
  if (!htd) return { file: null, names: {} };
  const file = path.join(dir, htd);
  return { file, names: parseHtdChannelNames(await readFile(file, 'latin1')) };
}
