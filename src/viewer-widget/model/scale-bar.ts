/**
 * Physical lengths for the scale bar and the readout, when the producer sent a pixel size
 * (`LayerInfo.pixel_size`, an OME-NGFF unit such as "micrometer"). No DOM.
 */
import type { PixelSize } from '../../protocol/messages.js';

const SYMBOLS: Record<string, string> = {
  nanometer: 'nm',
  micrometer: 'µm',
  micron: 'µm',
  millimeter: 'mm',
  centimeter: 'cm',
  meter: 'm',
  angstrom: 'Å'
};

/** `micrometer` → `µm`; an unknown unit is shown as given. */
export function unitSymbol(unit: string): string {
  return SYMBOLS[unit.toLowerCase()] ?? unit;
}

/** 3 significant digits, without trailing zeros (`0.325`, `41.6`, `1200`). */
export function formatLength(v: number): string {
  return Math.abs(v) >= 1000 ? String(Math.round(v)) : String(Number(v.toPrecision(3)));
}

export interface ScaleBar {
  /** Length on screen in CSS pixels. */
  widthPx: number;
  /** E.g. `50 µm`. */
  label: string;
}

/**
 * A bar of a round length (1, 2 or 5 × 10^k units) whose width on screen is at most
 * `maxPx` and as close to it as such lengths allow. `zoom` is CSS pixels per image pixel.
 */
export function scaleBar(pixelSize: PixelSize, zoom: number, maxPx = 120): ScaleBar | null {
  if (!(zoom > 0) || !(pixelSize.x > 0) || !(maxPx > 0)) return null;
  const perPx = pixelSize.x / zoom; // units per CSS pixel
  const most = maxPx * perPx;
  const exp = Math.floor(Math.log10(most));
  let length = 0;
  for (const m of [5, 2, 1]) {
    const candidate = m * 10 ** exp;
    if (candidate <= most * (1 + 1e-9)) {
      length = candidate;
      break;
    }
  }
  if (!(length > 0)) return null;
  return {
    widthPx: length / perPx,
    label: `${formatLength(length)} ${unitSymbol(pixelSize.unit)}`
  };
}
