/**
 * Channels in a real JupyterLab (issue 10): a layer's channels are a composite by default —
 * DAPI blue, GFP green, added up where both are lit — and one click gives one channel with a
 * slider; each channel has its own visible box, histogram with a contrast range slider,
 * min/max, auto and gamma, remembered by channel name across wells, re-runs and reloads;
 * the readout names each channel and gives the point in µm; a scale bar when the pixel size
 * is known. The producer (helpers/send-channels.mjs) lights DAPI in image columns 0–79 and
 * GFP in 40–119 (rows 0–79), with a ramp within each 40 columns. The screenshot of
 * docs/jupyterlab.md is taken here (copied to docs/images/ when UPDATE_DOCS_IMAGES=1).
 * Data port 21100 (+1000, +3000).
 */
import { expect, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { settledCanvas } from '../helpers/canvas.js';
import { colorAt, sendChannels } from '../helpers/channels.js';
import { reloadLab } from '../helpers/lab.js';
import {
  emptyViewer,
  gotoLabPatiently,
  PATIENT_LAB,
  runCommand,
  shot
} from '../helpers/viewer-page.js';
import { REPO, stopServer } from '../helpers/viewer-server.js';

const PORT = 21100;
const LAYER = 'pipeline-viewer-layer-source_Stain';

test.use(PATIENT_LAB);
test.beforeEach(({ page, tmpPath }) => gotoLabPatiently(page, tmpPath));
test.beforeAll(() => stopServer(PORT));
test.afterAll(() => stopServer(PORT));

/** A viewer showing the producer's batch, settled. */
async function streamed(page: Parameters<typeof emptyViewer>[0]): Promise<Locator> {
  const panel = await emptyViewer(page, PORT);
  expect(await sendChannels(PORT)).toMatchObject({ accepted: 4, rejected: 0 });
  await expect(panel.getByTestId(LAYER)).toContainText('· 4');
  await settledCanvas(panel.getByTestId('pipeline-viewer-canvas'));
  return panel;
}

const settle = (panel: Locator) => settledCanvas(panel.getByTestId('pipeline-viewer-canvas'));
const channel = (panel: Locator, name: string) =>
  panel.getByTestId(LAYER).getByTestId(`pipeline-viewer-channel-${name}`);

/** Blue only, green only, both (cyan), or black, from a pixel's [r, g, b]. */
function hue([r, g, b]: number[]): string {
  const on = (v: number) => v > 60;
  if (r > 30) return `red ${r}`;
  return on(b) && on(g)
    ? 'cyan'
    : on(b) && g < 20
      ? 'blue'
      : on(g) && b < 20
        ? 'green'
        : b + g < 20
          ? 'black'
          : `mixed ${[r, g, b]}`;
}

test('a composite by default: DAPI blue, GFP green, added up; one click gives one channel', async ({
  page
}, testInfo) => {
  const panel = await streamed(page);
  const mode = panel.getByTestId('pipeline-viewer-channel-mode');
  await expect(mode).toHaveAttribute('data-mode', 'composite');
  await expect(mode).toHaveText('Composite');
  await expect(panel.getByTestId('pipeline-viewer-axis-channel')).toHaveCount(0);
  await expect(panel.getByTestId('pipeline-viewer-overlay')).toContainText(
    'Site 1 | DAPI + GFP | Z 1'
  );
  await expect(channel(panel, 'DAPI').locator('.jp-PipelineViewer-channel-colormap')).toHaveValue(
    'blue'
  );
  await expect(channel(panel, 'GFP').locator('.jp-PipelineViewer-channel-colormap')).toHaveValue(
    'green'
  );

  // ramp positions near the top of each 40-column band: bright after auto contrast
  expect(hue(await colorAt(panel, 35, 40))).toBe('blue');
  expect(hue(await colorAt(panel, 75, 40))).toBe('cyan');
  expect(hue(await colorAt(panel, 115, 40))).toBe('green');
  expect(hue(await colorAt(panel, 60, 100))).toBe('black');

  // the readout: [y, x], the point in µm (index × 0.65), each channel by name
  const box = (await panel.getByTestId('pipeline-viewer-outline').boundingBox())!;
  await page.mouse.move(box.x + (75.5 / 120) * box.width, box.y + (40.5 / 120) * box.height);
  const readout = panel.getByTestId('pipeline-viewer-readout');
  await expect(readout).toHaveText(
    /^\[y, x\] \[\d+, \d+\] · \[[\d.]+, [\d.]+\] µm · DAPI: \d+ · GFP: \d+$/
  );
  const [, y, x, py, px, dapi, gfp] = (await readout.textContent())!
    .match(/\[(\d+), (\d+)\] · \[([\d.]+), ([\d.]+)\] µm · DAPI: (\d+) · GFP: (\d+)/)!
    .map(Number);
  expect(Math.abs(x - 75) + Math.abs(y - 40)).toBeLessThanOrEqual(2);
  expect(Math.abs(py - y * 0.65)).toBeLessThan(0.1); // 3 significant digits
  expect(Math.abs(px - x * 0.65)).toBeLessThan(0.1);
  expect(dapi).toBe(gfp); // both ramps are equal in the middle band
  expect(dapi).toBeGreaterThan(30000);

  // the scale bar: a round length, as wide as that length at the zoom shown
  const bar = panel.getByTestId('pipeline-viewer-scalebar');
  await expect(bar).toBeVisible();
  await expect(bar).toHaveText(/^\d+ µm$/);
  const length = Number((await bar.textContent())!.split(' ')[0]);
  const zoom = box.width / 120; // CSS px per image pixel
  const barWidth = (await bar.boundingBox())!.width;
  expect(Math.abs(barWidth - (length / 0.65) * zoom)).toBeLessThan(2);
  expect(barWidth).toBeLessThanOrEqual(121);

  await page.mouse.move(0, 0); // off the image: the readout shows its hint
  await shot(panel, 'channels-composite', testInfo);
  if (process.env.UPDATE_DOCS_IMAGES === '1') {
    fs.mkdirSync(path.join(REPO, 'docs', 'images'), { recursive: true });
    fs.copyFileSync(
      testInfo.outputPath('channels-composite.png'),
      path.join(REPO, 'docs', 'images', 'channels-composite.png')
    );
  }

  // one click: a single channel, with a channel slider; the other is not drawn
  await mode.click();
  await expect(mode).toHaveAttribute('data-mode', 'single');
  await expect(panel.getByTestId('pipeline-viewer-axis-channel')).toHaveCount(1);
  await expect(panel.getByTestId('pipeline-viewer-overlay')).not.toContainText(' + ');
  await settle(panel);
  const single = hue(await colorAt(panel, 75, 40));
  expect(['blue', 'green']).toContain(single);
  await panel.getByTestId('pipeline-viewer-slider-channel').fill(single === 'blue' ? '1' : '0');
  await expect
    .poll(async () => (await settle(panel), hue(await colorAt(panel, 75, 40))))
    .toBe(single === 'blue' ? 'green' : 'blue');
  await shot(panel, 'channels-single', testInfo);

  await mode.click();
  await expect(mode).toHaveAttribute('data-mode', 'composite');
  await expect
    .poll(async () => (await settle(panel), hue(await colorAt(panel, 75, 40))))
    .toBe('cyan');
});

test('each channel: visible, histogram with a contrast range slider, min/max, auto, gamma', async ({
  page
}, testInfo) => {
  const panel = await streamed(page);
  const dapi = channel(panel, 'DAPI');
  const gfp = channel(panel, 'GFP');
  const blueAt = async (x: number) => (await settle(panel), (await colorAt(panel, x, 40))[2]);

  // visible: GFP hidden, the composite is DAPI alone; back
  await gfp.locator('.jp-PipelineViewer-channel-visible').uncheck();
  await expect(gfp).toHaveAttribute('data-visible', 'false');
  await expect
    .poll(async () => (await settle(panel), hue(await colorAt(panel, 115, 40))))
    .toBe('black');
  expect(hue(await colorAt(panel, 75, 40))).toBe('blue');
  await gfp.locator('.jp-PipelineViewer-channel-visible').check();
  await expect
    .poll(async () => (await settle(panel), hue(await colorAt(panel, 115, 40))))
    .toBe('green');

  // the histogram is drawn (bars on its canvas)
  const histogram = dapi.locator('.jp-PipelineViewer-histogram');
  await expect(histogram).toHaveAttribute('data-empty', 'false');
  const barsLit = await histogram
    .locator('.jp-PipelineViewer-histogram-bars')
    .evaluate((c: HTMLCanvasElement) => {
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
      return n;
    });
  expect(barsLit).toBeGreaterThan(50);

  // the range slider's max handle down to 20000: a mid-ramp pixel gets brighter
  const mid = await blueAt(15); // DAPI ≈ 16,600 at column 15
  const setRange = (cls: string, v: number) =>
    dapi.locator(cls).evaluate((el: HTMLInputElement, v) => {
      el.value = String(v);
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, v);
  await setRange('.jp-PipelineViewer-contrast-range-max', 20000);
  await expect(dapi.locator('.jp-PipelineViewer-channel-max')).toHaveValue('20000');
  await expect.poll(() => blueAt(15)).toBeGreaterThan(mid + 60);

  // gamma below 1 lifts dim pixels
  const dim = await blueAt(5); // DAPI ≈ 6,900
  await dapi.locator('.jp-PipelineViewer-channel-gamma').fill('0.5');
  await dapi.locator('.jp-PipelineViewer-channel-gamma').press('Tab');
  await expect.poll(() => blueAt(5)).toBeGreaterThan(dim + 40);
  await shot(panel, 'channels-contrast-gamma', testInfo);

  // issue 10 defect 5 on a channel: an invalid min > max is marked, and "auto" repairs it
  const narrowed = await blueAt(15); // contrast 0–20000, gamma 0.5
  const min = dapi.locator('.jp-PipelineViewer-channel-min');
  const max = dapi.locator('.jp-PipelineViewer-channel-max');
  await min.fill('60000');
  await min.press('Tab');
  await max.fill('10');
  await max.press('Tab');
  await expect(dapi).toHaveClass(/\bjp-mod-invalid\b/);
  await dapi.locator('.jp-PipelineViewer-channel-auto').click();
  await expect(dapi).not.toHaveClass(/\bjp-mod-invalid\b/);
  expect(Number(await min.inputValue())).toBeLessThan(Number(await max.inputValue()));
  expect(Number(await max.inputValue())).toBeGreaterThan(35000); // the ramp's top, not 20000
  await expect.poll(() => blueAt(15)).toBeLessThan(narrowed - 30); // 0–40000 again
});

test('channel settings stay by name across wells, a re-run and a reload', async ({ page }) => {
  let panel = await streamed(page);
  const max = (p: Locator) => channel(p, 'GFP').locator('.jp-PipelineViewer-channel-max');
  const colormap = (p: Locator) =>
    channel(p, 'DAPI').locator('.jp-PipelineViewer-channel-colormap');
  await max(panel).fill('30000');
  await max(panel).press('Tab');
  await colormap(panel).selectOption('cyan');
  await panel.getByTestId('pipeline-viewer-follow').uncheck();
  const well = panel.getByTestId('pipeline-viewer-slider-well');
  await well.fill((await well.inputValue()) === '0' ? '1' : '0');
  await settle(panel);
  await expect(max(panel)).toHaveValue('30000');
  await expect(colormap(panel)).toHaveValue('cyan');

  // a re-run: the server is cleared and the same channels come again, not re-contrasted
  await runCommand(page, 'pipeline-viewer:clear', { port: PORT });
  await expect(panel.locator('[data-layer-key]')).toHaveCount(0);
  expect(await sendChannels(PORT)).toMatchObject({ accepted: 4 });
  await expect(panel.getByTestId(LAYER)).toContainText('· 4');
  await settle(panel);
  await expect(max(panel)).toHaveValue('30000');
  await expect(colormap(panel)).toHaveValue('cyan');

  // a reload restores them from the workspace (saved after a short debounce)
  await page.waitForTimeout(1500);
  await reloadLab(page);
  panel = page.locator(`#pipeline-viewer-${PORT}`);
  await expect(panel.getByTestId(LAYER)).toContainText('· 4');
  await expect(max(panel)).toHaveValue('30000');
  await expect(colormap(panel)).toHaveValue('cyan');
  await expect(panel.getByTestId('pipeline-viewer-channel-mode')).toHaveAttribute(
    'data-mode',
    'composite'
  );
  await settle(panel);
  const [r, g, b] = await colorAt(panel, 35, 40); // DAPI alone, now cyan
  expect(r).toBeLessThan(20);
  expect(g).toBeGreaterThan(60);
  expect(b).toBeGreaterThan(60);
});
