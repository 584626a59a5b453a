/**
 * Issue 10's plate overview in a real JupyterLab: the Grid button shows a thumbnail of every
 * streamed well, laid out as the 96-well plate (8 × 12); every well is painted and lit;
 * clicking a well opens it in the single view. The screenshot of docs/jupyterlab.md is taken
 * here (copied to docs/images/ when UPDATE_DOCS_IMAGES=1). Data port $PIPELINE_VIEWER_PORT, default 21203 (+1000, +3000).
 */
import { expect, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { streamWells } from '../helpers/stream-wells.js';
import { emptyViewer, gotoLabPatiently, PATIENT_LAB, shot } from '../helpers/viewer-page.js';
import { REPO, stopServer } from '../helpers/viewer-server.js';

const PORT = Number(process.env.PIPELINE_VIEWER_PORT ?? 21203);

test.use(PATIENT_LAB);
test.beforeEach(({ page, tmpPath }) => gotoLabPatiently(page, tmpPath));

let work: string;
test.beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-nav-grid-'));
  await stopServer(PORT);
});
test.afterAll(async () => {
  await stopServer(PORT);
  fs.rmSync(work, { recursive: true, force: true });
});

interface Cells {
  x0: number;
  y0: number;
  pitch: number;
  tile: number;
}

/** Lit pixels inside the tile of cell (row, col), read back from the grid canvas. */
function litInTile(grid: Locator, row: number, col: number): Promise<number> {
  return grid.evaluate(
    (el: HTMLCanvasElement, { row, col }) => {
      const c = JSON.parse(el.dataset.cells!) as Cells;
      const dpr = el.width / el.getBoundingClientRect().width;
      const x = Math.round((c.x0 + col * c.pitch) * dpr);
      const y = Math.round((c.y0 + row * c.pitch) * dpr);
      const side = Math.floor(c.tile * dpr);
      const px = el.getContext('2d')!.getImageData(x, y, side, side).data;
      let lit = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i] + px[i + 1] + px[i + 2] > 30) lit++;
      return lit;
    },
    { row, col }
  );
}

test('the grid shows every well of a 96-well plate; a click opens one', async ({
  page
}, testInfo) => {
  const panel = await emptyViewer(page, PORT);
  // the viewer alone in the main area: a grid of useful size (and the docs' screenshot)
  await page.evaluate(async port => {
    const app = (window as any).jupyterapp;
    app.shell.activateById(`pipeline-viewer-${port}`);
    await app.commands.execute('application:close-other-tabs');
  }, PORT);
  expect(await streamWells(work, PORT, { wells: 96, channels: 1, size: 256 })).toMatchObject({
    sent: 96,
    dropped: 0
  });
  await expect(panel.getByTestId('pipeline-viewer-slider-well')).toHaveAttribute('max', '95');

  const grid = panel.getByTestId('pipeline-viewer-grid');
  const gridCanvas = panel.getByTestId('pipeline-viewer-grid-canvas');
  await expect(grid).toBeHidden();
  await panel.getByTestId('pipeline-viewer-grid-toggle').click();
  await expect(grid).toBeVisible();
  await expect(gridCanvas).toHaveAttribute('data-rows', '8');
  await expect(gridCanvas).toHaveAttribute('data-cols', '12');
  await expect(gridCanvas).toHaveAttribute('data-wells', '96');
  await expect(gridCanvas).toHaveAttribute('data-painted', '96');
  // thumbnails hold the wells' cells: A01, a middle well and H12 are lit
  for (const [row, col] of [
    [0, 0],
    [3, 6],
    [7, 11]
  ]) {
    expect(await litInTile(gridCanvas, row, col)).toBeGreaterThan(0);
  }
  await shot(panel, 'grid-view', testInfo);
  if (process.env.UPDATE_DOCS_IMAGES === '1') {
    fs.mkdirSync(path.join(REPO, 'docs', 'images'), { recursive: true });
    fs.copyFileSync(
      testInfo.outputPath('grid-view.png'),
      path.join(REPO, 'docs', 'images', 'grid-view.png')
    );
  }

  // click well C05: row 2, column 4
  const cells = JSON.parse((await gridCanvas.getAttribute('data-cells'))!) as Cells;
  await gridCanvas.click({
    position: {
      x: cells.x0 + 4 * cells.pitch + cells.tile / 2,
      y: cells.y0 + 2 * cells.pitch + cells.tile / 2
    }
  });
  await expect(grid).toBeHidden();
  await expect(panel.getByTestId('pipeline-viewer-overlay')).toContainText('Well C05');
  await expect(panel.getByTestId('pipeline-viewer-slider-well')).toHaveValue('28');

  // G opens it again, Esc closes it
  await panel.getByTestId('pipeline-viewer-canvas').click();
  await page.keyboard.press('g');
  await expect(grid).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(grid).toBeHidden();
});
