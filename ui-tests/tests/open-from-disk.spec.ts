/**
 * Issue 17, part 2, in a real JupyterLab: right-click a plate folder in the file browser,
 * "Open in Pipeline Viewer". An OME-Zarr 0.4 plate written by ome-zarr-py
 * (tests/runtime/fixtures/make_plates.py: wells A01 and B02) sits in the test's folder under
 * Jupyter's root; no viewer server runs. The server extension starts it and opens the plate:
 * the panel shows one layer marked "from disk", the plate's two wells on the well slider, and
 * pixels painted on the canvas, other pixels in the other well. A folder that is no plate
 * gives an error notification with the reader's sentence, and no layer.
 * Data port 29020 (+1000, +3000).
 */
import { expect, test, type IJupyterLabPageFixture } from '@jupyterlab/galata';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { settledCanvas } from '../helpers/canvas.js';
import { gotoLabPatiently, PATIENT_LAB, runCommand, shot } from '../helpers/viewer-page.js';
import { REPO, stopServer } from '../helpers/viewer-server.js';

const PORT = Number(process.env.PIPELINE_VIEWER_OPEN_PORT ?? 29020);
/** Jupyter's root folder in the ui-tests (jupyter_server_test_config.py). */
const LAB_ROOT = path.join(REPO, 'ui-tests', '.lab-root');

test.use(PATIENT_LAB);
test.beforeEach(({ page, tmpPath }) => gotoLabPatiently(page, tmpPath));
test.beforeAll(() => stopServer(PORT));
test.afterAll(() => stopServer(PORT));

/** make_plates.py `kind` into `folder` with the project's Python, bounded in time. */
function makePlate(kind: string, folder: string): Promise<void> {
  const script = path.join(REPO, 'tests', 'runtime', 'fixtures', 'make_plates.py');
  return new Promise((resolve, reject) =>
    execFile(
      path.join(REPO, '.venv', 'bin', 'python'),
      [script, kind, folder],
      { timeout: 60_000 },
      (err, _out, stderr) =>
        err ? reject(new Error(`make_plates ${kind}: ${err.message}\n${stderr}`)) : resolve()
    )
  );
}

/** Right-click `name` in the file browser and choose "Open in Pipeline Viewer". */
async function openFromFileBrowser(page: IJupyterLabPageFixture, name: string): Promise<void> {
  await page.sidebar.openTab('filebrowser');
  await page.filebrowser.refresh();
  const item = page.locator('.jp-DirListing-item[data-isdir="true"]', {
    has: page.locator('.jp-DirListing-itemText', { hasText: new RegExp(`^${name}$`) })
  });
  await item.click({ button: 'right' });
  // JupyterLab reuses the rows' nodes: the click must have selected this folder.
  await expect(item).toHaveClass(/jp-mod-selected/);
  await page.getByRole('menuitem', { name: 'Open in Pipeline Viewer' }).click();
}

test('a plate folder opens from the file browser as a layer from disk, a non-plate folder is refused', async ({
  page,
  tmpPath
}, testInfo) => {
  const folder = path.join(LAB_ROOT, tmpPath);
  await makePlate('ome-zarr-0.4', path.join(folder, 'plate.zarr'));
  fs.mkdirSync(path.join(folder, 'notes'));
  fs.writeFileSync(path.join(folder, 'notes', 'readme.txt'), 'no plate here\n');
  await page.sidebar.openTab('filebrowser');
  await page.filebrowser.refresh();
  await expect(page.locator('.jp-DirListing-item')).toHaveCount(2); // notes, plate.zarr
  // The panel of our port, so "Open in Pipeline Viewer" shows the plate there; no server runs.
  await runCommand(page, 'pipeline-viewer:open', { port: PORT });
  const panel = page.locator(`#pipeline-viewer-${PORT}`);
  await expect(panel).toBeVisible();

  await openFromFileBrowser(page, 'plate.zarr');
  await expect(panel.getByTestId('pipeline-viewer-status')).toHaveAttribute(
    'data-status',
    'connected',
    { timeout: 90_000 }
  );
  const layers = panel.locator('[data-layer-key]');
  await expect(layers).toHaveCount(1, { timeout: 60_000 });
  await expect(layers).toContainText('· from disk');
  await expect(
    page.locator('.jp-toast-message', { hasText: /is shown in the Pipeline Viewer/ })
  ).toBeVisible();

  const well = panel.getByTestId('pipeline-viewer-slider-well');
  await expect(well).toHaveAttribute('max', '1'); // two wells: A01, B02
  const overlay = panel.getByTestId('pipeline-viewer-overlay');
  const canvas = panel.getByTestId('pipeline-viewer-canvas');
  await panel.getByTestId('pipeline-viewer-follow').uncheck();
  // B02 first: the channels' contrast is fitted to the first plane shown (B02, the newest),
  // under which A01's darker pixels may show black; another image either way.
  await well.fill('1');
  await expect(overlay).toHaveText(/Well B02/);
  const b02 = await settledCanvas(canvas);
  expect(b02.lit).toBeGreaterThan(0);
  await shot(panel, 'plate-B02', testInfo);
  await well.fill('0');
  await expect(overlay).toHaveText(/Well A01/);
  const a01 = await settledCanvas(canvas);
  expect(a01.hash).not.toBe(b02.hash);

  await openFromFileBrowser(page, 'notes');
  const refused = page.locator('.jp-toast-message', {
    hasText: /^Could not open notes in the Pipeline Viewer: no plate format fits/
  });
  await expect(refused).toBeVisible({ timeout: 60_000 });
  await shot(page, 'not-a-plate', testInfo);
  await expect(layers).toHaveCount(1);
});
