/**
 * notebooks/show.ipynb in the Deno kernel: a manual show() starts (or reuses) the viewer
 * server, the output's button opens the docked viewer, and the array appears as a layer.
 */
import { expect, test } from '@jupyterlab/galata';
import { serverStatus, stopServer } from '../helpers/viewer-server.js';

const PORT = Number(process.env.PIPELINE_VIEWER_PORT ?? 20350);

test.use({ autoGoto: true });
test.afterAll(() => stopServer(PORT));

test('show.ipynb sends an array to the viewer and the panel shows it', async ({
  page
}, testInfo) => {
  test.setTimeout(240_000);
  await page.notebook.openByPath('notebooks/show.ipynb');
  await expect(page.locator('.jp-NotebookPanel-toolbar .jp-KernelName')).toHaveText(/Deno/, {
    timeout: 60_000
  });
  await page.evaluate(() => (window as any).galata.resetExecutionCount());
  await page.menu.clickMenuItem('Run>Run All Cells');
  await expect
    .poll(() => page.evaluate(() => (window as any).galata.haveBeenExecuted() as boolean), {
      timeout: 120_000
    })
    .toBe(true);

  const outputs = page.getByTestId('pipeline-viewer-progress');
  await expect(outputs).toHaveCount(2);
  await expect(outputs.first()).toHaveAttribute('data-phase', 'viewer');
  await expect(outputs.first().getByTestId('pipeline-viewer-progress-line')).toContainText(
    'viewer ready'
  );

  // show() asks the frontend to open the panel; the button focuses it.
  const panel = page.locator(`#pipeline-viewer-${PORT}`);
  await expect(panel).toBeVisible();
  await outputs.last().getByTestId('pipeline-viewer-open-button').click();
  await expect(
    page.locator('.lm-TabBar-tab.lm-mod-current', { hasText: `Pipeline viewer :${PORT}` })
  ).toHaveCount(1);
  await expect(panel.getByTestId('pipeline-viewer-status')).toHaveAttribute(
    'data-status',
    'connected'
  );
  await expect(panel.getByTestId('pipeline-viewer-layer-rings')).toBeVisible();
  const status = await serverStatus(PORT);
  expect(status.layers.find(l => l.key === 'rings')).toBeDefined();
  await testInfo.attach('show-rings', { body: await panel.screenshot(), contentType: 'image/png' });
});
