/**
 * Two viewer panels docked split-right beside a notebook in a 1400×900 window (issue 10):
 * each canvas keeps a usable width and the overlay a few lines; the layer list collapses to
 * give the canvas the whole panel and opens again. Data ports 20621 and 20622 (+1000, +3000).
 */
import { expect, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { settledCanvas } from '../helpers/canvas.js';
import {
  lineCount,
  openViewer,
  gotoLabPatiently,
  PATIENT_LAB,
  shot
} from '../helpers/viewer-page.js';
import { stopServer, streamPlate } from '../helpers/viewer-server.js';

const PORTS = [20621, 20622];

test.use({
  viewport: { width: 1400, height: 900 },
  ...PATIENT_LAB
});
test.beforeEach(({ page, tmpPath }) => gotoLabPatiently(page, tmpPath));

let work: string;
test.beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-narrow-'));
  for (const port of PORTS) await stopServer(port);
});
test.afterAll(async () => {
  for (const port of PORTS) await stopServer(port);
  fs.rmSync(work, { recursive: true, force: true });
});

async function width(locator: Locator): Promise<number> {
  return (await locator.boundingBox())!.width;
}

test('two viewers beside a notebook: usable canvases, a short overlay, a collapsible layer list', async ({
  page
}, testInfo) => {
  await page.notebook.createNew();
  const panels: Locator[] = [];
  for (const port of PORTS) panels.push(await openViewer(page, port));
  await streamPlate(work, PORTS[0]);
  await streamPlate(work, PORTS[1]);
  for (const panel of panels) {
    await expect(panel.getByTestId('pipeline-viewer-layer-source_Cells')).toContainText('· 4');
    expect((await settledCanvas(panel.getByTestId('pipeline-viewer-canvas'))).lit).toBeGreaterThan(
      0
    );
  }
  await shot(page, 'two-viewers', testInfo);

  for (const panel of panels) {
    const canvas = panel.getByTestId('pipeline-viewer-canvas');
    const overlay = panel.getByTestId('pipeline-viewer-overlay');
    await expect(overlay).toHaveText(/^Well A0[12] \| Site 1 \| DAPI \+ GFP \| Z 1 \| T 1$/);
    expect(await width(canvas)).toBeGreaterThan(150);
    expect(await lineCount(overlay)).toBeLessThanOrEqual(3);
    // the layer list never covers the canvas
    const list = (await panel.getByTestId('pipeline-viewer-layers').boundingBox())!;
    const c = (await canvas.boundingBox())!;
    expect(list.x >= c.x + c.width - 1 || list.x + list.width <= c.x + 1).toBe(true);
  }

  // Collapse the first panel's layer list: its canvas fills the panel, and it opens again.
  const [first] = panels;
  const canvas = first.getByTestId('pipeline-viewer-canvas');
  const toggle = first.getByTestId('pipeline-viewer-layers-toggle');
  const before = await width(canvas);
  const expanded = (await toggle.getAttribute('aria-expanded')) === 'true';
  if (!expanded) {
    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
    await expect(first.getByTestId('pipeline-viewer-layer-source_Cells')).toBeVisible();
  }
  const open = await width(canvas);
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await expect(first.getByTestId('pipeline-viewer-layer-source_Cells')).toBeHidden();
  await expect.poll(() => width(canvas)).toBeGreaterThan(open + 50);
  expect(await width(canvas)).toBeGreaterThanOrEqual(before);
  const panelWidth = await width(first.getByTestId('pipeline-viewer'));
  expect(await width(canvas)).toBeGreaterThan(panelWidth - 40);
  expect(await lineCount(first.getByTestId('pipeline-viewer-overlay'))).toBeLessThanOrEqual(2);
  expect((await settledCanvas(canvas)).lit).toBeGreaterThan(0);
  await shot(page, 'layers-collapsed', testInfo);
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await expect(first.getByTestId('pipeline-viewer-layer-source_Cells')).toBeVisible();
});
