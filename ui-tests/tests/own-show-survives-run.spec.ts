/**
 * Issue 10, defect 8: a pipeline run removed layers it did not make. Two notebooks in the
 * real Deno kernel stream to one port: show.ipynb's `show()` layer stays in the docked panel's
 * layer list through demo.ipynb's run and its re-run (which replaces only its own planes).
 * The notebooks stream to PIPELINE_VIEWER_PORT; the same default as playwright.config.ts.
 */
import { expect, test, type IJupyterLabPageFixture } from '@jupyterlab/galata';
import { gotoLabPatiently, PATIENT_LAB } from '../helpers/viewer-page.js';
import { serverStatus, stopServer } from '../helpers/viewer-server.js';

// The JupyterLab of playwright.config.ts gives its kernels PIPELINE_VIEWER_PORT, default 20350.
const PORT = Number(process.env.PIPELINE_VIEWER_PORT ?? 20350);

test.use(PATIENT_LAB);
test.beforeEach(({ page, tmpPath }) => gotoLabPatiently(page, tmpPath));
test.beforeAll(() => stopServer(PORT));
test.afterAll(() => stopServer(PORT));

/** Opens a notebook in the Deno kernel. */
async function open(page: IJupyterLabPageFixture, notebook: string): Promise<void> {
  await page.notebook.openByPath(notebook);
  await expect(page.locator('.jp-NotebookPanel-toolbar .jp-KernelName')).toHaveText(/Deno/, {
    timeout: 60_000
  });
}

/** Runs all cells of the current notebook; Galata's own wait (30 s) is shorter than a run. */
async function runAll(page: IJupyterLabPageFixture): Promise<void> {
  await page.evaluate(() => (window as any).galata.resetExecutionCount());
  await page.menu.clickMenuItem('Run>Run All Cells');
  await expect
    .poll(() => page.evaluate(() => (window as any).galata.haveBeenExecuted() as boolean), {
      timeout: 180_000
    })
    .toBe(true);
  await expect(page.locator('#jp-main-statusbar')).toContainText('Idle', { timeout: 60_000 });
}

/** Keys of the layers the panel lists, sorted. */
async function listedLayers(page: IJupyterLabPageFixture): Promise<string[]> {
  const keys = await page
    .locator(`#pipeline-viewer-${PORT} [data-layer-key]`)
    .evaluateAll(rows => rows.map(r => (r as HTMLElement).dataset.layerKey ?? ''));
  return keys.sort();
}

test("a pipeline run keeps another notebook's show() layer in the panel", async ({
  page
}, testInfo) => {
  test.setTimeout(600_000);
  await open(page, 'notebooks/show.ipynb');
  await runAll(page);
  const panel = page.locator(`#pipeline-viewer-${PORT}`);
  await expect(panel.getByTestId('pipeline-viewer-status')).toHaveAttribute(
    'data-status',
    'connected'
  );
  await expect(panel.getByTestId('pipeline-viewer-layer-rings')).toBeVisible();

  await open(page, 'notebooks/demo.ipynb');
  await runAll(page);
  const summary = page.getByTestId('pipeline-viewer-progress').last();
  await expect(summary).toHaveAttribute('data-phase', 'done', { timeout: 120_000 });
  await expect(panel.getByTestId('pipeline-viewer-layer-source_MaxProjection')).toBeVisible();
  await expect(panel.getByTestId('pipeline-viewer-layer-rings')).toBeVisible();
  expect(await listedLayers(page)).toEqual(['rings', 'source_MaxProjection']);

  // The re-run removes its own earlier planes (the panel gets the new state), nothing else.
  await runAll(page);
  await expect(summary).toHaveAttribute('data-phase', 'done', { timeout: 120_000 });
  await expect(panel.getByTestId('pipeline-viewer-layer-source_MaxProjection')).toBeVisible();
  await expect(panel.getByTestId('pipeline-viewer-slider-well')).toHaveAttribute('max', '3');
  expect(await listedLayers(page)).toEqual(['rings', 'source_MaxProjection']);
  const status = await serverStatus(PORT);
  expect(Object.fromEntries(status.layers.map(l => [l.key, l.image_count]))).toEqual({
    rings: 1,
    source_MaxProjection: 24
  });
  await testInfo.attach('show-layer-kept', {
    body: await panel.screenshot(),
    contentType: 'image/png'
  });
});
