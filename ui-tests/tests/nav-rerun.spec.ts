/**
 * Issue 10, defect 7: re-running jumped to another position (A05 → A01) while Follow newest
 * was off. The run clears the viewer and streams its wells again; the panel now returns to
 * the well the user chose once it is back: same slider position, same pixels.
 * Data port 21202 (+1000, +3000).
 */
import { expect, test } from '@jupyterlab/galata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { settledCanvas } from '../helpers/canvas.js';
import { streamWells } from '../helpers/stream-wells.js';
import { emptyViewer, gotoLabPatiently, PATIENT_LAB } from '../helpers/viewer-page.js';
import { stopServer } from '../helpers/viewer-server.js';

const PORT = 21202;
const PLATE = { wells: 6, channels: 1, size: 128 };

test.use(PATIENT_LAB);
test.beforeEach(({ page, tmpPath }) => gotoLabPatiently(page, tmpPath));

let work: string;
test.beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-nav-rerun-'));
  await stopServer(PORT);
});
test.afterAll(async () => {
  await stopServer(PORT);
  fs.rmSync(work, { recursive: true, force: true });
});

test('a re-run with follow newest off keeps the slider on the chosen well', async ({ page }) => {
  const panel = await emptyViewer(page, PORT);
  expect(await streamWells(work, PORT, PLATE)).toMatchObject({ sent: 6, dropped: 0 });
  const slider = panel.getByTestId('pipeline-viewer-slider-well');
  const overlay = panel.getByTestId('pipeline-viewer-overlay');
  const canvas = panel.getByTestId('pipeline-viewer-canvas');
  await expect(slider).toHaveAttribute('max', '5');

  await canvas.click();
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowLeft'); // A06 → A05
  await expect(overlay).toContainText('Well A05');
  await expect(panel.getByTestId('pipeline-viewer-follow')).not.toBeChecked();
  const chosen = await settledCanvas(canvas);

  expect(await streamWells(work, PORT, PLATE)).toMatchObject({ sent: 6, dropped: 0 });
  await expect(slider).toHaveAttribute('max', '5');
  await expect(panel.getByTestId('pipeline-viewer-layer-source_Cells')).toContainText('· 6');
  await expect(overlay).toContainText('Well A05');
  await expect(slider).toHaveValue('4');
  await expect(panel.getByTestId('pipeline-viewer-follow')).not.toBeChecked();
  expect((await settledCanvas(canvas)).hash).toBe(chosen.hash);
});
