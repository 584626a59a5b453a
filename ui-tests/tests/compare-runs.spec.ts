/**
 * Issue 17, part 3, in a real JupyterLab: run 1 of a pipeline streams into the panel, the user
 * presses "keep run" on its layer, run 2 (a parameter change: other pixels) streams into a
 * fresh layer beside it. Toggling the layers' visibility shows each run at the same well and
 * channel: the pixels on the canvas are run 1's with only the kept layer visible, run 2's
 * with only the new one, and each matches what it showed when it was the only run.
 * Data port 24560 (+1000, +3000).
 */
import { expect, test } from '@jupyterlab/galata';
import { settledCanvas } from '../helpers/canvas.js';
import { runCommand } from '../helpers/viewer-page.js';
import { sendRun, stopServer } from '../helpers/viewer-server.js';

const PORT = Number(process.env.PIPELINE_VIEWER_COMPARE_PORT ?? 24560);

test.beforeAll(async () => stopServer(PORT));
test.afterAll(async () => stopServer(PORT));

test('keep run 1, stream run 2 beside it; toggling shows each run at the same well and channel', async ({
  page
}, testInfo) => {
  expect(await runCommand(page, 'pipeline-viewer:start-server', { port: PORT })).toMatchObject({
    ok: true
  });
  await runCommand(page, 'pipeline-viewer:open', { port: PORT });
  const panel = page.locator(`#pipeline-viewer-${PORT}`);
  await expect(panel.getByTestId('pipeline-viewer-status')).toHaveAttribute(
    'data-status',
    'connected'
  );
  const canvas = panel.getByTestId('pipeline-viewer-canvas');
  const overlay = panel.getByTestId('pipeline-viewer-overlay');
  const shot = async (name: string) => {
    const file = testInfo.outputPath(`${name}.png`);
    await panel.screenshot({ path: file });
    await testInfo.attach(name, { path: file, contentType: 'image/png' });
  };
  const showWellA02 = async () => {
    await panel.getByTestId('pipeline-viewer-follow').uncheck();
    await panel.getByTestId('pipeline-viewer-slider-well').fill('1');
    await expect(overlay).toHaveText(/^Well A02 \| /);
  };

  expect(await sendRun(PORT, 1)).toMatchObject({ sent: 4 });
  const live = panel.getByTestId('pipeline-viewer-layer-source_Cells');
  await expect(live).toContainText('· 4');
  await showWellA02();
  const run1 = await settledCanvas(canvas);
  expect(run1.lit).toBeGreaterThan(0);
  await shot('run-1');

  await panel.getByTestId('pipeline-viewer-keep-source_Cells').click();
  const kept = panel.locator('[data-layer-key="source_Cells (run 1)"]');
  await expect(kept).toContainText('· 4');
  await expect(live).toHaveCount(0); // renamed, nothing copied

  expect(await sendRun(PORT, 2)).toMatchObject({ sent: 4 });
  await expect(live).toContainText('· 4');
  await expect(kept).toContainText('· 4'); // run 2's clear_owner left the kept run alone

  // Toggle: only one run visible at a time, same well and channel.
  const visible = (row: typeof live) => row.locator('input.jp-PipelineViewer-visible');
  await showWellA02();
  await visible(kept).uncheck();
  await visible(live).check();
  const run2 = await settledCanvas(canvas);
  await shot('run-2-only');
  await visible(live).uncheck();
  await visible(kept).check();
  const keptShown = await settledCanvas(canvas);
  await shot('run-1-kept-only');
  expect(keptShown.hash).toBe(run1.hash);
  expect(run2.lit).toBeGreaterThan(0);
  expect(run2.hash).not.toBe(run1.hash);
  await visible(live).check();
  await visible(kept).uncheck();
  expect((await settledCanvas(canvas)).hash).toBe(run2.hash);
});
