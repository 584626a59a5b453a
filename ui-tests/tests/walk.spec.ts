/**
 * Issue 5, a new user's walk in a real JupyterLab with the Deno kernel: open the demo notebook,
 * run all cells, see the streamed layer with its labels in the docked viewer, re-run (same
 * server pid, same panel), reload (panel restored). The notebook streams to the data port in
 * PIPELINE_VIEWER_PORT, set for the test server in playwright.config.ts.
 */
import { expect, test, type IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import { reloadLab } from '../helpers/lab.js';
import { serverStatus, stopServer } from '../helpers/viewer-server.js';

const PORT = Number(process.env.PIPELINE_VIEWER_PORT ?? 20350);
const NOTEBOOK = 'notebooks/demo.ipynb';

test.use({ autoGoto: true });
test.beforeAll(() => stopServer(PORT)); // the walk starts without a viewer server
test.afterAll(() => stopServer(PORT));

/** Index of the code cell that runs the pipeline. */
async function runCellIndex(page: IJupyterLabPageFixture): Promise<number> {
  const sources = await page.evaluate(() => {
    const nb = (window as any).jupyterapp.shell.currentWidget.content;
    return nb.widgets.map((c: any) => c.model.sharedModel.getSource() as string);
  });
  const index = sources.findIndex((s: string) => s.includes('await runWithProgress(plan)'));
  expect(index).toBeGreaterThan(0);
  return index;
}

/** Galata's run helpers wait for 'Idle' within the action timeout (30 s); a run takes longer. */
async function runAndWait(page: IJupyterLabPageFixture, cellIndex?: number): Promise<void> {
  await page.evaluate(i => (window as any).galata.resetExecutionCount(i), cellIndex);
  if (cellIndex === undefined) await page.menu.clickMenuItem('Run>Run All Cells');
  else await page.notebook.runCell(cellIndex, { wait: false });
  await expect
    .poll(
      () => page.evaluate(i => (window as any).galata.haveBeenExecuted(i) as boolean, cellIndex),
      { timeout: 180_000 }
    )
    .toBe(true);
  await expect(page.locator('#jp-main-statusbar')).toContainText('Idle', { timeout: 60_000 });
}

async function pidOf(summary: Locator): Promise<number> {
  const text = await summary.getByTestId('pipeline-viewer-progress-line').textContent();
  const m = /server pid (\d+)/.exec(text ?? '');
  expect(m, `summary line "${text}" names the server pid`).not.toBeNull();
  return Number(m![1]);
}

test('demo notebook: run all, viewer shows the streamed layer, re-run reuses server and panel, reload restores', async ({
  page
}, testInfo) => {
  test.setTimeout(360_000);
  await page.notebook.openByPath(NOTEBOOK);
  await expect(page.locator('.jp-NotebookPanel-toolbar .jp-KernelName')).toHaveText(/Deno/, {
    timeout: 60_000
  });

  await runAndWait(page);

  // The run's live output ends as a summary with the viewer button.
  const index = await runCellIndex(page);
  const cell = await page.notebook.getCellLocator(index);
  const summary = cell!.getByTestId('pipeline-viewer-progress');
  await expect(summary).toHaveAttribute('data-phase', 'done', { timeout: 120_000 });
  const line = summary.getByTestId('pipeline-viewer-progress-line');
  await expect(line).toContainText('wells 8/8');
  await expect(line).toHaveText(
    /done · wells 8\/8 · 24 frames streamed · 0 drops · [\d.]+ s · server pid \d+/
  );
  const pid = await pidOf(summary);
  expect((await serverStatus(PORT)).pid).toBe(pid);

  // The panel opened by itself when the run started, docked next to the notebook.
  const panel = page.locator(`#pipeline-viewer-${PORT}`);
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId('pipeline-viewer-status')).toHaveAttribute(
    'data-status',
    'connected'
  );
  await expect(panel.getByTestId('pipeline-viewer-layer-source_MaxProjection')).toBeVisible();
  const overlay = panel.getByTestId('pipeline-viewer-overlay');
  // a composite names its channels (DAPI + GFP + RFP), a single channel as Ch1: DAPI
  await expect(overlay).toHaveText(/Well A0[1357] \| Site [12] \| (Ch[123]: )?(DAPI|GFP|RFP)/);
  // The well filter streamed 4 wells: the well slider has 4 positions.
  await expect(panel.getByTestId('pipeline-viewer-slider-well')).toHaveAttribute('max', '3');
  await testInfo.attach('walk-after-run', {
    body: await page.screenshot(),
    contentType: 'image/png'
  });

  // The summary's button focuses the docked viewer.
  await page.notebook.activate('demo.ipynb');
  await summary.getByTestId('pipeline-viewer-open-button').click();
  await expect(
    page.locator('.lm-TabBar-tab.lm-mod-current', { hasText: `Pipeline viewer :${PORT}` })
  ).toHaveCount(1);

  // Re-run the pipeline: same server, same panel (the DOM node survives, no second panel).
  await panel.evaluate(el => ((el as HTMLElement).dataset.walkMarker = 'first-run'));
  await page.notebook.activate('demo.ipynb');
  await runAndWait(page, index);
  await expect(summary).toHaveAttribute('data-phase', 'done', { timeout: 120_000 });
  await expect(line).toContainText('24 frames streamed');
  expect(await pidOf(summary)).toBe(pid);
  await expect(page.locator('[id^="pipeline-viewer-"].jp-PipelineViewerPanel')).toHaveCount(1);
  await expect(panel).toHaveAttribute('data-walk-marker', 'first-run');
  await expect(panel.getByTestId('pipeline-viewer-layer-source_MaxProjection')).toBeVisible();

  // Reload: the panel is restored and reconnects; the notebook comes back too.
  await reloadLab(page);
  const restored = page.locator(`#pipeline-viewer-${PORT}`);
  await expect(restored).toBeVisible();
  await expect(restored.getByTestId('pipeline-viewer-status')).toHaveAttribute(
    'data-status',
    'connected'
  );
  await expect(restored.getByTestId('pipeline-viewer-overlay')).toHaveText(
    /Well A0[1357] \| Site [12] \| (Ch[123]: )?(DAPI|GFP|RFP)/
  );
  await expect(page.locator('.lm-TabBar-tab', { hasText: 'demo.ipynb' })).toHaveCount(1);
  await testInfo.attach('walk-after-reload', {
    body: await page.screenshot(),
    contentType: 'image/png'
  });
  expect((await serverStatus(PORT)).pid).toBe(pid);
});
