/**
 * Draws cell-like images for the synthetic plate: each cell is a gaussian nucleus (channel 1),
 * a wider, dimmer cytoplasm (channel 2) and a few bright puncta (channel 3; more channels cycle
 * through these looks). Cells sit at the same places in every channel and z-plane of a site, so
 * channels overlay; z-planes away from the focal plane are wider and dimmer (defocus).
 * Deterministic: everything random comes from a seeded PRNG.
 */

/** Small, fast, seedable PRNG (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable 32-bit hash of strings and numbers, to derive per-well/site seeds. */
export function hashSeed(...parts: (string | number)[]): number {
  let h = 2166136261;
  for (const ch of parts.join('|')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

export interface Cell {
  x: number;
  y: number;
  /** Nucleus radius scale (gaussian sigma, pixels). */
  sigma: number;
  /** Elongation and angle of the nucleus. */
  aspect: number;
  angle: number;
  brightness: number;
  /** Cytoplasm centre offset from the nucleus. */
  dx: number;
  dy: number;
  puncta: { x: number; y: number; amp: number }[];
  /** Focal plane of the cell, in z-plane units. */
  focus: number;
}

export interface WellLook {
  cells: number;
  brightness: number;
  /** Per channel gain, so channels of a well differ from other wells' in their own way. */
  channelGain: number[];
}

/**
 * How a well looks: brightness from the well's own seed; the cell count follows the plate's
 * columns like a dilution series (column 1: ~12 cells per 512² site, column 12: ~56, ±10 %),
 * so a plate map of nuclei per well shows a gradient. `cellsPerSite` tells the count.
 */
export function wellLook(seed: number, well: string, channels: number, size: number): WellLook {
  const rand = mulberry32(hashSeed(seed, 'well', well));
  return {
    cells: cellsPerSite(seed, well, size),
    brightness: 0.45 + rand() * 0.55,
    channelGain: Array.from({ length: channels }, () => 0.5 + rand() * 0.5)
  };
}

/** The number of cells drawn in every site of `well` (the truth a segmentation is checked against). */
export function cellsPerSite(seed: number, well: string, size: number): number {
  const rand = mulberry32(hashSeed(seed, 'count', well));
  const column = Number(/(\d+)$/.exec(well)?.[1] ?? 1);
  const dose = ((column - 1) % 12) / 11;
  const area = (size / 512) ** 2;
  return Math.max(1, Math.round(area * (12 + 44 * dose) * (0.9 + 0.2 * rand())));
}

export function layoutCells(
  seed: number,
  well: string,
  site: number,
  look: WellLook,
  width: number,
  height: number,
  zPlanes: number
): Cell[] {
  const rand = mulberry32(hashSeed(seed, 'site', well, site));
  const scale = Math.min(width, height) / 512;
  return Array.from({ length: look.cells }, () => {
    const sigma = (5 + rand() * 4) * Math.max(scale, 0.25);
    const x = rand() * width;
    const y = rand() * height;
    return {
      x,
      y,
      sigma,
      aspect: 1 + rand() * 0.6,
      angle: rand() * Math.PI,
      brightness: look.brightness * (0.6 + rand() * 0.8),
      dx: (rand() - 0.5) * sigma,
      dy: (rand() - 0.5) * sigma,
      puncta: Array.from({ length: 2 + Math.floor(rand() * 5) }, () => ({
        x: x + (rand() - 0.5) * sigma * 5,
        y: y + (rand() - 0.5) * sigma * 5,
        amp: 0.5 + rand() * 0.5
      })),
      focus: (zPlanes - 1) / 2 + (rand() - 0.5) * 0.6
    };
  });
}

/**
 * Adds the cells' signal of one channel at one z-plane to `plane` (float, width × height),
 * scaled to `peak`. Timepoint `t` moves cells a little, so time series show motion.
 */
export function drawCells(
  plane: Float32Array,
  width: number,
  height: number,
  cells: Cell[],
  channel: number,
  z: number,
  t: number,
  peak: number
): void {
  const look = channel % 3;
  for (const [i, cell] of cells.entries()) {
    const drift = t * 1.5;
    const cx = cell.x + Math.cos(i * 2.4) * drift;
    const cy = cell.y + Math.sin(i * 2.4) * drift;
    // Defocus: wider and dimmer away from the cell's focal plane, total signal kept.
    const dz = z - cell.focus;
    const blur = 1 + 0.35 * dz * dz;
    const amp = peak * cell.brightness;
    if (look === 0) {
      gaussian(
        plane,
        width,
        height,
        cx,
        cy,
        cell.sigma * Math.sqrt(blur),
        cell.sigma * cell.aspect * Math.sqrt(blur),
        cell.angle,
        amp / blur
      );
    } else if (look === 1) {
      const s = cell.sigma * 2.4 * Math.sqrt(blur);
      gaussian(
        plane,
        width,
        height,
        cx + cell.dx,
        cy + cell.dy,
        s,
        s * 1.2,
        cell.angle + 0.5,
        (amp * 0.45) / blur
      );
    } else {
      const s = Math.max(1.2, cell.sigma * 0.3) * Math.sqrt(blur);
      for (const p of cell.puncta)
        gaussian(
          plane,
          width,
          height,
          p.x + cx - cell.x,
          p.y + cy - cell.y,
          s,
          s,
          0,
          (amp * p.amp) / blur
        );
    }
  }
}

/** Adds an oriented 2D gaussian, touching only the pixels within 3 sigma. */
function gaussian(
  plane: Float32Array,
  width: number,
  height: number,
  cx: number,
  cy: number,
  sx: number,
  sy: number,
  angle: number,
  amp: number
): void {
  const reach = 3 * Math.max(sx, sy);
  const x0 = Math.max(0, Math.floor(cx - reach));
  const x1 = Math.min(width - 1, Math.ceil(cx + reach));
  const y0 = Math.max(0, Math.floor(cy - reach));
  const y1 = Math.min(height - 1, Math.ceil(cy + reach));
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const ax = 1 / (2 * sx * sx);
  const ay = 1 / (2 * sy * sy);
  for (let y = y0; y <= y1; y++) {
    const ry = y - cy;
    const row = y * width;
    for (let x = x0; x <= x1; x++) {
      const rx = x - cx;
      const u = rx * cos + ry * sin;
      const v = -rx * sin + ry * cos;
      const e = u * u * ax + v * v * ay;
      if (e < 4.5) plane[row + x] += amp * Math.exp(-e);
    }
  }
}

/**
 * A table of standard normal samples; images take noise from it at a seeded offset and stride,
 * which is far cheaper than drawing 262 144 fresh gaussians per plane and looks the same.
 */
export function normalTable(seed: number, length = 1 << 16): Float32Array {
  const rand = mulberry32(hashSeed(seed, 'noise'));
  const table = new Float32Array(length);
  for (let i = 0; i < length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const a = 2 * Math.PI * rand();
    table[i] = r * Math.cos(a);
    if (i + 1 < length) table[i + 1] = r * Math.sin(a);
  }
  return table;
}
