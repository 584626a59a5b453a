/**
 * Issue 12: demo-analysis.ipynb in the real Deno kernel segments nuclei on the worker pool and
 * ends with a plate map; the map shows more nuclei in column 12 than in column 1 (the plate's
 * dilution series), and clicking a well opens the docked viewer at that well.
 * The notebook streams to PIPELINE_VIEWER_PORT; the same default as playwright.config.ts.
 */
import { expect, test } from '@jupyterlab/galata';
import { gotoLabPatiently, PATIENT_LAB } from '../helpers/viewer-page.js';
import { stopServer } from '../helpers/viewer-server.js';

// The JupyterLab of playwright.config.ts gives its kernels PIPELINE_VIEWER_PORT, default 20350.
const PORT = Number(process.env.PIPELINE_VIEWER_PORT ?? 20350);

test.use(PATIENT_LAB);
test.beforeEach(({ page, tmpPath }) => gotoLabPatiently(page, tmpPath));
test.beforeAll(() => stopServer(PORT));
test.afterAll(() => stopServer(PORT));

/** The nuclei count a plate-map cell shows in its tooltip (`A01: 13 objects`). */
function countOf(title: string | null): number {
  return Number(/: ([\d.]+) /.exec(title ?? '')?.[1] ?? NaN);
}

test('plate map of nuclei per well; a click opens that well in the viewer', async ({
  page
}, testInfo) => {
  test.setTimeout(900_000);
  await page.notebook.openByPath('notebooks/demo-analysis.ipynb');
  await expect(page.locator('.jp-NotebookPanel-toolbar .jp-KernelName')).toHaveText(/Deno/, {
    timeout: 60_000
  });
  await page.evaluate(() => (window as any).galata.resetExecutionCount());
  await page.menu.clickMenuItem('Run>Run All Cells');
  await expect
    .poll(() => page.evaluate(() => (window as any).galata.haveBeenExecuted() as boolean), {
      timeout: 600_000
    })
    .toBe(true);
  const map = page.getByTestId('pipeline-viewer-plate-map');
  await expect(map).toBeVisible({ timeout: 120_000 });
  const first = countOf(await map.locator('td[data-well="A01"]').getAttribute('title'));
  const last = countOf(await map.locator('td[data-well="A12"]').getAttribute('title'));
  expect(first).toBeGreaterThan(0);
  expect(last).toBeGreaterThan(2 * first);
  // Wells not on this 24-well plate have no value.
  await expect(map.locator('td[data-well="H01"]')).toHaveAttribute('title', /no value/);

  await map.locator('td[data-well="A05"]').click();
  const panel = page.locator(`#pipeline-viewer-${PORT}`);
  await expect(panel).toBeVisible({ timeout: 60_000 });
  // The projection streamed all 24 wells in plate order: A05 is position 4.
  await expect(panel.getByTestId('pipeline-viewer-slider-well')).toHaveValue('4', {
    timeout: 30_000
  });
  // The nuclei stream as a labels layer over the projection (issue 12).
  await expect(panel.locator('[data-layer-key="source_Nuclei"]')).toHaveCount(1, {
    timeout: 60_000
  });
  await expect(panel.getByTestId('pipeline-viewer-labels-mode-source_Nuclei')).toHaveCount(1);
  // ...at the projection's z (one z value, no z slider), so they lie over it.
  await expect(panel.getByTestId('pipeline-viewer-axis-z_index')).toHaveCount(0);
  await expect(panel.getByTestId('pipeline-viewer-overlay')).toContainText('Z projection');
  await testInfo.attach('plate-map', { body: await map.screenshot(), contentType: 'image/png' });
  await testInfo.attach('labels-over-projection', {
    body: await panel.screenshot(),
    contentType: 'image/png'
  });
});
