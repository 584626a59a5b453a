/**
 * A labels layer and an OpenHCS ROI overlay in a real JupyterLab (issue 12), checked on the
 * canvas' pixels: each id in its own color over the image, 0 transparent (the image shows
 * through), outline differs from fill (inside transparent, rim colored), opacity blends,
 * the readout names the id under the pointer (ids above 2^24 exact), and the ROI polygon is
 * drawn over the image. Producer: helpers/send-labels.mjs. Data port 24220 (+1000, +3000).
 */
import { expect, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { settledCanvas } from '../helpers/canvas.js';
import { colorAt, SIDE } from '../helpers/channels.js';
import { emptyViewer, gotoLabPatiently, PATIENT_LAB, shot } from '../helpers/viewer-page.js';
import { REPO, stopServer } from '../helpers/viewer-server.js';

const PORT = Number(process.env.PIPELINE_VIEWER_PORT ?? 24220);
const LABELS = 'pipeline-viewer-layer-source_Nuclei';
const BIG_ID = 2 ** 31 + 7;

test.use(PATIENT_LAB);
test.beforeEach(({ page, tmpPath }) => gotoLabPatiently(page, tmpPath));
test.beforeAll(() => stopServer(PORT));
test.afterAll(() => stopServer(PORT));

function sendLabels(): Promise<{ accepted: number; rejected: number }> {
  const script = path.join(REPO, 'ui-tests', 'helpers', 'send-labels.mjs');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [script, String(PORT)],
      { cwd: REPO, timeout: 60_000 },
      (err, out, e) => {
        if (err) reject(new Error(`send-labels failed: ${err.message}\n${e}`));
        else resolve(JSON.parse(out.trim().split('\n').pop()!));
      }
    );
  });
}

const settle = (panel: Locator) => settledCanvas(panel.getByTestId('pipeline-viewer-canvas'));
const near = (a: number[], b: number[], tolerance = 4) =>
  a.every((v, k) => Math.abs(v - b[k]) <= tolerance);

/** The browser's own labelColor (lib/, the module the widget bundles). */
async function labelColor(id: number): Promise<number[]> {
  const module = await import(path.join(REPO, 'lib', 'viewer-widget', 'model', 'labels-colors.js'));
  return module.labelColor(id);
}

/** Canvas pixels (device) within `radius` of image point (x, y), each [r, g, b]. */
async function pixelsAround(panel: Locator, x: number, y: number, radius: number) {
  const outline = (await panel.getByTestId('pipeline-viewer-outline').boundingBox())!;
  const sx = outline.x + (x / SIDE) * outline.width;
  const sy = outline.y + (y / SIDE) * outline.height;
  return panel.getByTestId('pipeline-viewer-canvas').evaluate(
    (el: HTMLCanvasElement, { sx, sy, radius }) => {
      const box = el.getBoundingClientRect();
      const scale = el.width / box.width;
      const c = document.createElement('canvas');
      [c.width, c.height] = [el.width, el.height];
      const ctx = c.getContext('2d')!;
      ctx.drawImage(el, 0, 0);
      const cx = Math.round((sx - box.left) * scale);
      const cy = Math.round((sy - box.top) * scale);
      const px = ctx.getImageData(cx - radius, cy - radius, 2 * radius + 1, 2 * radius + 1).data;
      const out: number[][] = [];
      for (let i = 0; i < px.length; i += 4) out.push([px[i], px[i + 1], px[i + 2]]);
      return out;
    },
    { sx, sy, radius }
  );
}

test('a labels layer: id colors over the image, 0 transparent, outline vs fill, opacity, id in the readout; the ROI polygon drawn', async ({
  page
}, testInfo) => {
  const panel = await emptyViewer(page, PORT);
  expect(await sendLabels()).toEqual({
    status: 'success',
    type: 'batch',
    accepted: 3,
    rejected: 0
  });
  const row = panel.getByTestId(LABELS);
  await expect(row).toContainText('uint32');
  await settle(panel);
  const canvas = panel.getByTestId('pipeline-viewer-canvas');
  await expect(canvas).toHaveAttribute('data-rois', '1');
  await shot(panel, 'labels-fill', testInfo);

  const visible = row.locator('.jp-PipelineViewer-visible');
  const opacity = row.locator('.jp-PipelineViewer-opacity');
  const mode = row.getByTestId('pipeline-viewer-labels-mode-source_Nuclei');
  const inside5 = [30, 30] as const; // centre of id 5, DAPI white under it
  const insideBig = [90, 30] as const;
  const rim5 = [10, 30] as const; // left column of id 5
  const background = [60, 30] as const; // id 0, DAPI white
  const below = [60, 110] as const; // id 0, DAPI black, no ROI

  // labels hidden: what the image alone looks like at those points
  await visible.uncheck();
  await settle(panel);
  const under = await colorAt(panel, ...inside5);
  const underBackground = await colorAt(panel, ...background);
  expect(under[0]).toBeGreaterThan(200); // white DAPI
  await visible.check();

  // fill at opacity 1: exactly each id's color; 0 transparent
  await opacity.fill('1');
  await settle(panel);
  const color5 = await labelColor(5);
  const colorBig = await labelColor(BIG_ID);
  expect(near(await colorAt(panel, ...inside5), color5)).toBe(true);
  expect(near(await colorAt(panel, ...insideBig), colorBig)).toBe(true);
  expect(near(color5, colorBig, 30)).toBe(false);
  expect(await colorAt(panel, ...background)).toEqual(underBackground);
  expect(near(await colorAt(panel, ...below), [0, 0, 0], 0)).toBe(true);

  // opacity 0.5: half the id's color, half the image under it
  await opacity.fill('0.5');
  await settle(panel);
  const blended = color5.map((c, k) => (c + under[k]) / 2);
  expect(near(await colorAt(panel, ...inside5), blended, 6)).toBe(true);

  // outline: the inside shows the image, the rim keeps the id's color
  await opacity.fill('1');
  await mode.selectOption('outline');
  await settle(panel);
  expect(near(await colorAt(panel, ...inside5), under)).toBe(true);
  expect(near(await colorAt(panel, ...rim5), color5, 8)).toBe(true);
  await shot(panel, 'labels-outline', testInfo);

  // the readout names the id under the pointer, exact above 2^24
  const outline = (await panel.getByTestId('pipeline-viewer-outline').boundingBox())!;
  await page.mouse.move(
    outline.x + ((insideBig[0] + 0.5) / SIDE) * outline.width,
    outline.y + ((insideBig[1] + 0.5) / SIDE) * outline.height
  );
  await expect(panel.getByTestId('pipeline-viewer-readout')).toContainText(
    `source_Nuclei: ${BIG_ID}`
  );

  // the ROI polygon (no label: yellow) on its top edge at y = 70, black around it
  const yellow = (p: number[]) => p[0] > 200 && p[1] > 180 && p[2] < 80;
  expect((await pixelsAround(panel, 60, 70, 3)).some(yellow)).toBe(true);
  expect((await pixelsAround(panel, 60, 85, 3)).some(yellow)).toBe(false);
});
