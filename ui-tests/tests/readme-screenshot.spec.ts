/**
 * The README's picture: the demo notebook run in the Deno kernel, its results in the viewer
 * docked on its right, at 1400×900 (playwright.config.ts). Checks that the picture shows what
 * it claims (the run is done, the panel connected with the streamed layer drawn) and keeps it
 * as an attachment; with UPDATE_README_SCREENSHOT=1 it also writes
 * docs/images/viewer-next-to-notebook.png, the file the README shows.
 */
import { expect, test } from '@jupyterlab/galata';
import * as path from 'node:path';
import { settledCanvas } from '../helpers/canvas.js';
import { REPO, stopServer } from '../helpers/viewer-server.js';

const PORT = Number(process.env.PIPELINE_VIEWER_PORT ?? 20350);
const README_IMAGE = path.join(REPO, 'docs', 'images', 'viewer-next-to-notebook.png');

test.use({ autoGoto: true });
test.beforeAll(() => stopServer(PORT));
test.afterAll(() => stopServer(PORT));

test('README screenshot: the docked viewer next to the demo notebook after a run', async ({
  page
}, testInfo) => {
  test.setTimeout(360_000);
  await page.notebook.openByPath('notebooks/demo.ipynb');
  await expect(page.locator('.jp-NotebookPanel-toolbar .jp-KernelName')).toHaveText(/Deno/, {
    timeout: 60_000
  });
  await page.evaluate(() => (window as any).galata.resetExecutionCount());
  await page.menu.clickMenuItem('Run>Run All Cells');
  const summary = page.getByTestId('pipeline-viewer-progress');
  await expect(summary).toHaveAttribute('data-phase', 'done', { timeout: 240_000 });

  const panel = page.locator(`#pipeline-viewer-${PORT}`);
  await expect(panel.getByTestId('pipeline-viewer-status')).toHaveAttribute(
    'data-status',
    'connected'
  );
  await expect(panel.getByTestId('pipeline-viewer-layer-source_MaxProjection')).toBeVisible();
  const canvas = await settledCanvas(panel.getByTestId('pipeline-viewer-canvas'), 60_000);
  expect(canvas.lit).toBeGreaterThan(0);
  // The notebook and the panel side by side: the panel on the right half.
  const notebook = await page.locator('.jp-NotebookPanel').boundingBox();
  const box = await panel.boundingBox();
  expect(box!.x).toBeGreaterThan(notebook!.x + notebook!.width / 2);

  // The run's summary in view, next to the viewer.
  await summary.scrollIntoViewIfNeeded();
  const file =
    process.env.UPDATE_README_SCREENSHOT === '1' ? README_IMAGE : testInfo.outputPath('readme.png');
  await page.screenshot({ path: file });
  await testInfo.attach('readme-screenshot', { path: file, contentType: 'image/png' });
});
