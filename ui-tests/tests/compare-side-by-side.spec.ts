/**
 * Issue 17, part 3, side by side, in a real JupyterLab: run 1 of a pipeline streams in, the
 * user keeps it, run 2 (other pixels) streams beside it, and "Side by side" draws each run in
 * its own tile of the canvas at the same well and channel. helpers/send-run.mjs makes run 1
 * a left-to-right ramp and run 2 a top-to-bottom one, so the pixels of a tile tell its run:
 * the left tile's brightness follows x, the right tile's y. Moving the well slider changes
 * both tiles (A02 is brighter); the readout names the tile's layer; a reload keeps the mode.
 * Data port 29100 (+1000, +3000).
 */
import { expect, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import { settledCanvas } from '../helpers/canvas.js';
import { reloadLab } from '../helpers/lab.js';
import { gotoLabPatiently, PATIENT_LAB, runCommand } from '../helpers/viewer-page.js';
import { sendRun, stopServer } from '../helpers/viewer-server.js';

const PORT = Number(process.env.PIPELINE_VIEWER_SIDE_BY_SIDE_PORT ?? 29100);

/** Per tile of the canvas: mean brightness and how it follows x and y (correlations). */
interface TilePixels {
  mean: number;
  lit: number;
  withX: number;
  withY: number;
}

/** Each tile's pixels (`data-rects` of the tiles, CSS px), read back from the canvas. */
function tiles(canvas: Locator, rects: number[][]): Promise<TilePixels[]> {
  return canvas.evaluate((el: HTMLCanvasElement, rects: number[][]) => {
    const dpr = el.width / el.clientWidth;
    const c = document.createElement('canvas');
    c.width = el.width;
    c.height = el.height;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(el, 0, 0);
    const px = ctx.getImageData(0, 0, c.width, c.height).data;
    const tile = ([tx, ty, tw, th]: number[]) => {
      const [x0, y0] = [Math.ceil(tx * dpr), Math.ceil(ty * dpr)];
      // data-rects are rounded: stay inside the canvas
      const x1 = Math.min(c.width, Math.floor((tx + tw) * dpr));
      const y1 = Math.min(c.height, Math.floor((ty + th) * dpr));
      // Pearson correlation of brightness with x and y over lit pixels
      let n = 0;
      let sv = 0;
      let sx = 0;
      let sy = 0;
      let svv = 0;
      let sxx = 0;
      let syy = 0;
      let svx = 0;
      let svy = 0;
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++) {
          const i = (y * c.width + x) * 4;
          const v = px[i] + px[i + 1] + px[i + 2];
          if (v === 0) continue;
          n++;
          sv += v;
          sx += x;
          sy += y;
          svv += v * v;
          sxx += x * x;
          syy += y * y;
          svx += v * x;
          svy += v * y;
        }
      const corr = (sab: number, sa: number, sb: number, saa: number, sbb: number) => {
        const cov = sab / n - (sa / n) * (sb / n);
        const va = saa / n - (sa / n) ** 2;
        const vb = sbb / n - (sb / n) ** 2;
        return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
      };
      return {
        mean: n ? sv / n : 0,
        lit: n,
        withX: n ? corr(svx, sv, sx, svv, sxx) : 0,
        withY: n ? corr(svy, sv, sy, svv, syy) : 0
      };
    };
    return rects.map(tile);
  }, rects);
}

// wide enough for two tiles beside each other once the layer list is collapsed
test.use({ ...PATIENT_LAB, viewport: { width: 1600, height: 800 } });
test.beforeEach(({ page, tmpPath }) => gotoLabPatiently(page, tmpPath));
test.beforeAll(async () => stopServer(PORT));
test.afterAll(async () => stopServer(PORT));

test('two runs side by side: run 1 in the left tile, run 2 in the right, same well and channel', async ({
  page
}, testInfo) => {
  expect(await runCommand(page, 'pipeline-viewer:start-server', { port: PORT })).toMatchObject({
    ok: true
  });
  await runCommand(page, 'pipeline-viewer:open', { port: PORT });
  let panel = page.locator(`#pipeline-viewer-${PORT}`);
  // the viewer alone in the main area: a wide canvas, two tiles beside each other
  await page
    .locator('.lm-TabBar-tab', { hasText: 'Launcher' })
    .locator('.lm-TabBar-tabCloseIcon')
    .click();
  await expect(page.locator('.lm-TabBar-tab', { hasText: 'Launcher' })).toHaveCount(0);
  await expect(panel.getByTestId('pipeline-viewer-status')).toHaveAttribute(
    'data-status',
    'connected'
  );
  const shot = async (name: string) => {
    const file = testInfo.outputPath(`${name}.png`);
    await panel.screenshot({ path: file });
    await testInfo.attach(name, { path: file, contentType: 'image/png' });
  };
  const toggle = () => panel.getByTestId('pipeline-viewer-side-by-side');
  const canvas = () => panel.getByTestId('pipeline-viewer-canvas');
  const labels = () => panel.getByTestId('pipeline-viewer-tile-label');
  const showWell = async (index: string, name: string) => {
    await panel.getByTestId('pipeline-viewer-follow').uncheck();
    await panel.getByTestId('pipeline-viewer-slider-well').fill(index);
    await expect(panel.getByTestId('pipeline-viewer-overlay')).toHaveText(
      new RegExp(`^Well ${name} \\| `)
    );
  };

  expect(await sendRun(PORT, 1)).toMatchObject({ sent: 4 });
  const live = panel.getByTestId('pipeline-viewer-layer-source_Cells');
  await expect(live).toContainText('· 4');
  // one run: nothing to put side by side
  await expect(toggle()).toBeDisabled();
  await expect(toggle()).toHaveAttribute('title', /needs two runs/);

  await panel.getByTestId('pipeline-viewer-keep-source_Cells').click();
  const kept = panel.locator('[data-layer-key="source_Cells (run 1)"]');
  await expect(kept).toContainText('· 4');
  expect(await sendRun(PORT, 2)).toMatchObject({ sent: 4 });
  await expect(live).toContainText('· 4');
  await expect(toggle()).toBeEnabled();

  await showWell('0', 'A01');
  await toggle().click();
  await expect(toggle()).toHaveAttribute('aria-pressed', 'true');
  await expect(labels()).toHaveText(['run 1', 'run 2 (live)']);
  await panel.getByTestId('pipeline-viewer-layers-toggle').click(); // the canvas gets wide
  await expect(panel.getByTestId('pipeline-viewer-layers')).toHaveAttribute(
    'data-collapsed',
    'true'
  );
  const tileRects = async (): Promise<number[][]> =>
    JSON.parse((await panel.getByTestId('pipeline-viewer-tiles').getAttribute('data-rects'))!);
  await settledCanvas(canvas());
  await shot('side-by-side-A01');
  const rects = await tileRects();
  expect(rects).toHaveLength(2);
  const [[x0, y0, w0], [x1, y1]] = rects;
  expect(y1).toBe(y0); // beside each other: run 1 left, run 2 right
  expect(x1).toBeGreaterThanOrEqual(x0 + w0);
  const [left, right] = await tiles(canvas(), rects);
  expect(left.lit).toBeGreaterThan(1000);
  expect(right.lit).toBeGreaterThan(1000);
  // run 1 (left) is a left-to-right ramp, run 2 (right) a top-to-bottom one
  expect(left.withX, JSON.stringify({ left, right })).toBeGreaterThan(0.8);
  expect(Math.abs(left.withY), JSON.stringify({ left, right })).toBeLessThan(0.2);
  expect(right.withY, JSON.stringify({ left, right })).toBeGreaterThan(0.8);
  expect(Math.abs(right.withX), JSON.stringify({ left, right })).toBeLessThan(0.2);

  // the readout names the layer of the tile under the pointer
  const box = (await canvas().boundingBox())!;
  const readout = panel.getByTestId('pipeline-viewer-readout');
  const centre = ([x, y, w, h]: number[]) => [box.x + x + w / 2, box.y + y + h / 2] as const;
  await page.mouse.move(...centre(rects[0]));
  await expect(readout).toContainText('source_Cells (run 1)');
  await page.mouse.move(...centre(rects[1]));
  await expect(readout).toContainText('source_Cells DAPI');
  await expect(readout).not.toContainText('(run 1)');
  await page.mouse.move(box.x - 20, box.y - 20);

  // the well slider moves both tiles: A02's planes are brighter in both runs
  await showWell('1', 'A02');
  await settledCanvas(canvas());
  await shot('side-by-side-A02');
  const [left2, right2] = await tiles(canvas(), await tileRects());
  expect(left2.mean).toBeGreaterThan(left.mean + 5);
  expect(right2.mean).toBeGreaterThan(right.mean + 5);
  expect(left2.withX).toBeGreaterThan(0.8);
  expect(right2.withY).toBeGreaterThan(0.8);

  // the mode is part of the saved view: a reload keeps it
  await page.waitForTimeout(1500); // the state is saved after a short debounce
  await reloadLab(page);
  panel = page.locator(`#pipeline-viewer-${PORT}`);
  await expect(panel.getByTestId('pipeline-viewer-layer-source_Cells')).toContainText('· 4');
  await expect(toggle()).toHaveAttribute('aria-pressed', 'true');
  await expect(labels()).toHaveText(['run 1', 'run 2 (live)']);

  // off again: one view, both runs added up in it, no tile labels
  await toggle().click();
  await expect(toggle()).toHaveAttribute('aria-pressed', 'false');
  await expect(labels()).toHaveCount(0);
});
