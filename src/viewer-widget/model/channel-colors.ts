/**
 * Channel names and their default colors. A channel's name comes from the server's axis
 * label (`Ch1: DAPI` → `DAPI`); its color from the name or an excitation/emission wavelength
 * in it, as a microscopist expects (DAPI blue, GFP green, RFP/mCherry magenta, Cy5 red), else
 * napari's defaults: two channels magenta and green, more cycle cyan, magenta, yellow, blue,
 * green, red.
 */
import type { Colormap } from '../../protocol/components.js';
import type { AxisValue } from './plane.js';

/** `Ch1: DAPI` → `DAPI`; a label without a name (`Ch 2`) is the name itself. */
export function channelName(label: string | undefined, value: AxisValue): string {
  const text = (label ?? '').trim();
  const named = /^Ch\s*[^:]*:\s*(.+)$/.exec(text);
  if (named) return named[1].trim();
  return text || `Ch ${value}`;
}

/** Fluorophore names first (some contain wavelengths: Alexa 488), then a bare wavelength. */
const BY_NAME: readonly [RegExp, Colormap][] = [
  [/dapi|hoechst|bfp|\bblue\b/i, 'blue'],
  [/mcherry|\brfp\b|tritc|cy3|texas|tdtomato|mscarlet|dsred|alexa\D*(546|555|568|594)/i, 'magenta'],
  [/cy5|cy7|far.?red|alexa\D*(633|647|680|700|750)|draq5|\bred\b/i, 'red'],
  [/\byfp\b|venus|citrine|\byellow\b/i, 'yellow'],
  [/\bcfp\b|cerulean|\bcyan\b/i, 'cyan'],
  [/gfp|fitc|alexa\D*488|\bgreen\b|calcein/i, 'green'],
  [/bright.?field|\bbf\b|phase|\bdic\b|transmitted|\bgr[ae]y\b/i, 'gray']
];

const TWO_CHANNELS: readonly Colormap[] = ['magenta', 'green'];
const MANY_CHANNELS: readonly Colormap[] = ['cyan', 'magenta', 'yellow', 'blue', 'green', 'red'];

/** The color of a channel called `name`, `index` of `count` channels. */
export function channelColormap(name: string, index: number, count: number): Colormap {
  for (const [pattern, colormap] of BY_NAME) if (pattern.test(name)) return colormap;
  const nm = /(?:^|\D)([3-8]\d\d)(?:\s*nm)?(?:\D|$)/i.exec(name);
  if (nm) {
    const wavelength = Number(nm[1]);
    if (wavelength >= 350 && wavelength < 450) return 'blue';
    if (wavelength >= 450 && wavelength < 530) return 'green';
    if (wavelength >= 530 && wavelength < 620) return 'magenta';
    if (wavelength >= 620 && wavelength <= 800) return 'red';
  }
  const cycle = count === 2 ? TWO_CHANNELS : MANY_CHANNELS;
  return cycle[((index % cycle.length) + cycle.length) % cycle.length];
}
