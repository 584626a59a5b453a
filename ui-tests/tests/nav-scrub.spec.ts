/**
 * Issue 10, defect 14: holding an arrow key starved the display. Each step aborted the plane
 * request of the step before, so only the last position ever painted (2.4 of 30 steps/s),
 * and every abort was counted as a drop. Here a burst of arrow presses over a streamed
 * 24-well plate must abort no request, count no drop, and paint the planes it passed that
 * could finish, not only the last one: counted by the canvas' test hooks
 * (data-planes-shown, data-aborted), not timed. Data port 21201 (+1000, +3000).
 */
import { expect, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { settledCanvas } from '../helpers/canvas.js';
import { streamWells } from '../helpers/stream-wells.js';
import { emptyViewer, gotoLabPatiently, PATIENT_LAB } from '../helpers/viewer-page.js';
import { stopServer } from '../helpers/viewer-server.js';

const PORT = 21201;

test.use(PATIENT_LAB);
test.beforeEach(({ page, tmpPath }) => gotoLabPatiently(page, tmpPath));

let work: string;
test.beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-nav-scrub-'));
  await stopServer(PORT);
});
test.afterAll(async () => {
  await stopServer(PORT);
  fs.rmSync(work, { recursive: true, force: true });
});

async function hooks(canvas: Locator): Promise<{ shown: number; aborted: number }> {
  return {
    shown: Number(await canvas.getAttribute('data-planes-shown')),
    aborted: Number(await canvas.getAttribute('data-aborted'))
  };
}

test('a burst of arrow steps aborts nothing and paints the planes it passes', async ({ page }) => {
  const panel = await emptyViewer(page, PORT);
  // not following: the browser fetches only what the user looks at, so the steps below
  // need planes that are not in the browser yet (following fetched every well as it came)
  await panel.getByTestId('pipeline-viewer-follow').uncheck();
  const streamed = await streamWells(work, PORT, { wells: 24, channels: 1, size: 512 });
  expect(streamed).toMatchObject({ sent: 24, dropped: 0 });
  await expect(panel.getByTestId('pipeline-viewer-slider-well')).toHaveAttribute('max', '23');

  const canvas = panel.getByTestId('pipeline-viewer-canvas');
  const overlay = panel.getByTestId('pipeline-viewer-overlay');
  const status = panel.getByTestId('pipeline-viewer-status');
  await canvas.click();
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  await expect(overlay).toContainText('Well A02');
  await settledCanvas(canvas);
  await page.waitForTimeout(1500); // the neighbours fetched ahead and the idle refinement land
  await expect(status).toContainText(' 0 drops');
  const before = await hooks(canvas);

  // 15 steps as fast as the browser takes key presses: A02 → B05
  for (let i = 0; i < 15; i++) await page.keyboard.press('ArrowRight');
  await expect(overlay).toContainText('Well B05');
  await expect(canvas).toHaveAttribute('data-position', /"well":"B05"/);
  await settledCanvas(canvas);

  const after = await hooks(canvas);
  expect(after.aborted - before.aborted).toBe(0);
  // A03 (fetched ahead), at least one plane passed on the way, and B05
  expect(after.shown - before.shown).toBeGreaterThanOrEqual(3);
  await page.waitForTimeout(1100); // the status line is refreshed once a second
  await expect(status).toContainText(' 0 drops');
});
