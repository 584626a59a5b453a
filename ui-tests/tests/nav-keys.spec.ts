/**
 * Issue 10's keys and mouse, as in napari, in a real JupyterLab: Home / End jump to the
 * first / last well, ← / → step, `?` shows and hides the key help, and a double-click fits
 * the image again after zooming (the outline of the image is back where it was).
 * Data port 21204 (+1000, +3000).
 */
import { expect, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { streamWells } from '../helpers/stream-wells.js';
import { emptyViewer, gotoLabPatiently, PATIENT_LAB } from '../helpers/viewer-page.js';
import { stopServer } from '../helpers/viewer-server.js';

const PORT = 21204;

test.use(PATIENT_LAB);
test.beforeEach(({ page, tmpPath }) => gotoLabPatiently(page, tmpPath));

let work: string;
test.beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-nav-keys-'));
  await stopServer(PORT);
});
test.afterAll(async () => {
  await stopServer(PORT);
  fs.rmSync(work, { recursive: true, force: true });
});

function box(outline: Locator): Promise<string> {
  return outline.evaluate(el => {
    const s = (el as HTMLElement).style;
    return [s.left, s.top, s.width, s.height].map(v => Math.round(parseFloat(v))).join(',');
  });
}

test('Home/End/arrows move, ? toggles the help, double-click fits', async ({ page }) => {
  const panel = await emptyViewer(page, PORT);
  expect(await streamWells(work, PORT, { wells: 6, channels: 1, size: 128 })).toMatchObject({
    sent: 6
  });
  const slider = panel.getByTestId('pipeline-viewer-slider-well');
  const overlay = panel.getByTestId('pipeline-viewer-overlay');
  const canvas = panel.getByTestId('pipeline-viewer-canvas');
  await expect(slider).toHaveAttribute('max', '5');

  await canvas.click();
  await page.keyboard.press('End');
  await expect(overlay).toContainText('Well A06');
  await expect(slider).toHaveValue('5');
  await page.keyboard.press('Home');
  await expect(overlay).toContainText('Well A01');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(overlay).toContainText('Well A03');
  await page.keyboard.press('ArrowLeft');
  await expect(slider).toHaveValue('1');

  const help = panel.getByTestId('pipeline-viewer-help');
  await expect(help).toBeHidden();
  await page.keyboard.press('?');
  await expect(help).toBeVisible();
  await expect(help).toContainText('Home / End');
  await expect(help).toContainText('double-click');
  await page.keyboard.press('?');
  await expect(help).toBeHidden();

  const outline = panel.getByTestId('pipeline-viewer-outline');
  await expect(outline).toBeVisible();
  const fitted = await box(outline);
  const b = (await canvas.boundingBox())!;
  await page.mouse.move(b.x + b.width / 3, b.y + b.height / 3);
  await page.mouse.wheel(0, -600);
  await expect.poll(() => box(outline)).not.toBe(fitted);
  await canvas.dblclick();
  await expect.poll(() => box(outline)).toBe(fitted);
});
