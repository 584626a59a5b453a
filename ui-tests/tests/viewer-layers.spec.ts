/**
 * The layer list in a real JupyterLab (issue 10): hiding a layer hides its pixels, never its
 * row (JupyterLab's own `.jp-mod-hidden { display: none }` once took the row away, and the
 * saved state kept it gone after reloads); "auto" repairs contrast fields left invalid.
 * Data port 20601 (+1000, +3000).
 */
import { expect, test } from '@jupyterlab/galata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { settledCanvas } from '../helpers/canvas.js';
import { reloadLab } from '../helpers/lab.js';
import {
  emptyViewer,
  gotoLabPatiently,
  PATIENT_LAB,
  shot,
  streamSteps
} from '../helpers/viewer-page.js';
import { stopServer, streamPlate } from '../helpers/viewer-server.js';

const PORT = 20601;

test.use(PATIENT_LAB);
test.beforeEach(({ page, tmpPath }) => gotoLabPatiently(page, tmpPath));

let work: string;
test.beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-layers-'));
  await stopServer(PORT);
});
test.afterAll(async () => {
  await stopServer(PORT);
  fs.rmSync(work, { recursive: true, force: true });
});

test('unticking Visible darkens the canvas but keeps the row; ticking it brings the pixels back', async ({
  page
}, testInfo) => {
  let panel = await emptyViewer(page, PORT);
  await streamPlate(work, PORT);
  let row = panel.getByTestId('pipeline-viewer-layer-source_Cells');
  await expect(row).toContainText('· 4');
  await panel.getByTestId('pipeline-viewer-follow').uncheck();
  const shown = await settledCanvas(panel.getByTestId('pipeline-viewer-canvas'));
  expect(shown.lit).toBeGreaterThan(0);

  const visible = () => row.locator('.jp-PipelineViewer-visible');
  const canvas = () => panel.getByTestId('pipeline-viewer-canvas');
  await visible().uncheck();
  await expect(row).toBeVisible();
  await expect(visible()).toBeVisible();
  await expect.poll(async () => (await settledCanvas(canvas())).lit).toBe(0);
  await shot(panel, 'layer-hidden', testInfo);
  await visible().check();
  await expect.poll(async () => (await settledCanvas(canvas())).hash).toBe(shown.hash);

  // The hidden state is saved with the workspace: after a reload the row is still there, and
  // ticking it brings the pixels back.
  await visible().uncheck();
  await expect.poll(async () => (await settledCanvas(canvas())).lit).toBe(0);
  await reloadLab(page);
  panel = page.locator(`#pipeline-viewer-${PORT}`);
  row = panel.getByTestId('pipeline-viewer-layer-source_Cells');
  await expect(row).toBeVisible();
  await expect(visible()).not.toBeChecked();
  expect((await settledCanvas(canvas())).lit).toBe(0);
  await visible().check();
  await expect(row).toBeVisible();
  await expect.poll(async () => (await settledCanvas(canvas())).lit).toBeGreaterThan(0);
  await shot(panel, 'layer-shown-after-reload', testInfo);
});

test('"auto" clears the red contrast fields of an invalid min > max', async ({ page }) => {
  const panel = await emptyViewer(page, PORT);
  // one channel: the layer's own contrast fields (channels-composite.spec.ts: a channel's)
  await streamSteps(work, PORT, 'two-layers');
  const row = panel.getByTestId('pipeline-viewer-layer-source_Cells');
  await expect(row).toContainText('· 1');
  const min = row.locator('.jp-PipelineViewer-contrast-min');
  const max = row.locator('.jp-PipelineViewer-contrast-max');
  await min.fill('60000');
  await min.press('Tab');
  await max.fill('10');
  await max.press('Tab');
  await expect(row).toHaveClass(/\bjp-mod-invalid\b/);

  await row.locator('.jp-PipelineViewer-auto').click();
  await expect(row).not.toHaveClass(/\bjp-mod-invalid\b/);
  expect(Number(await min.inputValue())).toBeLessThan(Number(await max.inputValue()));
  const border = (field: typeof min) => field.evaluate(el => getComputedStyle(el).borderTopColor);
  const errorColor = await row.evaluate(el =>
    getComputedStyle(el).getPropertyValue('--jp-error-color1').trim()
  );
  expect(errorColor).not.toBe('');
  const probe = await row.evaluate((el, color) => {
    const s = document.createElement('span');
    s.style.color = color;
    el.append(s);
    const rgb = getComputedStyle(s).color;
    s.remove();
    return rgb;
  }, errorColor);
  expect(await border(min)).not.toBe(probe);
  expect(await border(max)).not.toBe(probe);
});
