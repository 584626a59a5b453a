/** Reads the viewer's WebGL canvas back in the page (it keeps its drawing buffer). */
import type { Locator } from '@playwright/test';

export interface CanvasSummary {
  width: number;
  height: number;
  /** Mean of R+G+B over all pixels, 0..765. */
  mean: number;
  /** Pixels that are not black. */
  lit: number;
  /** A cheap fingerprint of the pixels, to tell two images apart. */
  hash: number;
}

export async function readCanvas(canvas: Locator): Promise<CanvasSummary> {
  return canvas.evaluate((el: HTMLCanvasElement) => {
    const c = document.createElement('canvas');
    c.width = el.width;
    c.height = el.height;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(el, 0, 0);
    const px = ctx.getImageData(0, 0, c.width, c.height).data;
    let sum = 0;
    let lit = 0;
    let hash = 2166136261;
    for (let i = 0; i < px.length; i += 4) {
      const v = px[i] + px[i + 1] + px[i + 2];
      sum += v;
      if (v > 0) lit++;
      hash = Math.imul(hash ^ v, 16777619) >>> 0;
    }
    const n = px.length / 4;
    return { width: c.width, height: c.height, mean: n ? sum / n : 0, lit, hash };
  });
}

/**
 * The canvas once it stopped changing: not loading, and the same pixels on three reads
 * 400 ms apart (a position change paints the old plane until the new one arrives).
 */
export async function settledCanvas(canvas: Locator, timeoutMs = 20_000): Promise<CanvasSummary> {
  const deadline = Date.now() + timeoutMs;
  let last: CanvasSummary | null = null;
  let same = 0;
  while (Date.now() < deadline) {
    const loading = (await canvas.getAttribute('data-loading')) === 'true';
    const now = await readCanvas(canvas);
    same = !loading && last !== null && now.hash === last.hash ? same + 1 : 0;
    if (same >= 2) return now;
    last = now;
    await canvas.page().waitForTimeout(400);
  }
  throw new Error(`the viewer canvas kept changing or loading for ${timeoutMs} ms`);
}
