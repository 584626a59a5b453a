/**
 * What the viewer says about the position in a real JupyterLab (issue 10): size-1 axes take
 * no slider row but stay in the overlay, overlay labels never break inside ("Z 1"), a
 * projection says so, the pixel readout is a row of its own that fits: [y, x] and the value
 * of each visible layer; an outline frames the image. Data port 20611 (+1000, +3000).
 */
import { expect, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { settledCanvas } from '../helpers/canvas.js';
import {
  emptyViewer,
  gotoLabPatiently,
  PATIENT_LAB,
  runCommand,
  shot,
  streamSteps
} from '../helpers/viewer-page.js';
import { stopServer, streamPlate } from '../helpers/viewer-server.js';

const PORT = 20611;

test.use(PATIENT_LAB);
test.beforeEach(({ page, tmpPath }) => gotoLabPatiently(page, tmpPath));

let work: string;
test.beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-overlay-'));
  await stopServer(PORT);
});
test.afterAll(async () => {
  await stopServer(PORT);
  fs.rmSync(work, { recursive: true, force: true });
});

/** Labels of the overlay (split at ' | ') that the browser laid out on more than one line. */
function brokenLabels(overlay: Locator): Promise<string[]> {
  return overlay.evaluate(el => {
    const text = el.textContent ?? '';
    const nodes: { node: Text; start: number }[] = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let at = 0, n = walker.nextNode(); n; n = walker.nextNode()) {
      nodes.push({ node: n as Text, start: at });
      at += (n as Text).data.length;
    }
    const point = (offset: number): [Text, number] => {
      const hit = [...nodes].reverse().find(x => x.start <= offset)!;
      return [hit.node, offset - hit.start];
    };
    const broken: string[] = [];
    let from = 0;
    for (const label of text.split(' | ')) {
      const range = document.createRange();
      range.setStart(...point(from));
      range.setEnd(...point(from + label.length));
      const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(label);
      from += label.length + 3;
    }
    return broken;
  });
}

test('size-1 axes take no slider row but stay in the overlay; an outline frames the image', async ({
  page
}, testInfo) => {
  const panel = await emptyViewer(page, PORT);
  await streamPlate(work, PORT); // 2 wells × 2 channels × 1 site, 1 z, 1 timepoint
  await expect(panel.getByTestId('pipeline-viewer-layer-source_Cells')).toContainText('· 4');
  await expect(panel.getByTestId('pipeline-viewer-axis-well')).toHaveCount(1);
  // the channels are a composite by default: all drawn, no channel slider
  for (const axis of ['site', 'channel', 'z_index', 'timepoint']) {
    await expect(panel.getByTestId(`pipeline-viewer-axis-${axis}`)).toHaveCount(0);
  }
  const overlay = panel.getByTestId('pipeline-viewer-overlay');
  await expect(overlay).toHaveText(/^Well A0[12] \| Site 1 \| DAPI \+ GFP \| Z 1 \| T 1$/);

  // A thin outline frames the image (a square 128² plane, fitted and centred in the canvas),
  // so an image that is black at its edges still shows where it ends.
  await settledCanvas(panel.getByTestId('pipeline-viewer-canvas'));
  await expect(panel.getByTestId('pipeline-viewer-outline')).toBeVisible();
  const frame = (await panel.getByTestId('pipeline-viewer-outline').boundingBox())!;
  const view = (await panel.getByTestId('pipeline-viewer-canvas').boundingBox())!;
  expect(Math.abs(frame.width - frame.height)).toBeLessThanOrEqual(2);
  expect(Math.min(view.width, view.height) - Math.min(frame.width, frame.height)).toBeLessThan(3);
  expect(Math.abs(frame.x + frame.width / 2 - (view.x + view.width / 2))).toBeLessThan(2);
  expect(Math.abs(frame.y + frame.height / 2 - (view.y + view.height / 2))).toBeLessThan(2);

  await shot(panel, 'outline', testInfo);
});

test('overlay labels ("Z 1", "Ch1: DAPI") wrap as a whole, never inside', async ({
  page
}, testInfo) => {
  const panel = await emptyViewer(page, PORT);
  await streamPlate(work, PORT);
  const overlay = panel.getByTestId('pipeline-viewer-overlay');
  await expect(overlay).toHaveText(/^Well A0[12] \| Site 1 \| DAPI \+ GFP \| Z 1 \| T 1$/);
  // However narrow the overlay, a label is never split across lines.
  await overlay.evaluate(el => (el.style.maxWidth = '60px'));
  expect(await brokenLabels(overlay)).toEqual([]);
  await shot(panel, 'overlay-narrow', testInfo);
});

test('after a max projection over z the overlay says "Z projection"', async ({
  page
}, testInfo) => {
  const panel = await emptyViewer(page, PORT);
  expect(await streamSteps(work, PORT, 'projection')).toMatchObject({ sent: 1, dropped: 0 });
  await expect(panel.getByTestId('pipeline-viewer-layer-source_Max')).toContainText('· 1');
  const overlay = panel.getByTestId('pipeline-viewer-overlay');
  await expect(overlay).toContainText('Z projection');
  await expect(overlay).not.toContainText('Z 1');
  await shot(panel, 'overlay-projection', testInfo);
});

test('the pixel readout is a row of its own: [y, x] and each visible layer, never cut off', async ({
  page
}, testInfo) => {
  const panel = await emptyViewer(page, PORT);
  expect(await streamSteps(work, PORT, 'two-layers')).toMatchObject({ sent: 2, dropped: 0 });
  await expect(panel.getByTestId('pipeline-viewer-layer-source_Inverted')).toContainText('· 1');
  await expect(panel.getByTestId('pipeline-viewer-layer-source_Cells')).toContainText('· 1');
  const canvas = panel.getByTestId('pipeline-viewer-canvas');
  expect((await settledCanvas(canvas)).lit).toBeGreaterThan(0);
  const readout = panel.getByTestId('pipeline-viewer-readout');
  await expect(readout).toBeVisible(); // a row that stays, also before the pointer comes

  const check = async (name: string) => {
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await expect(readout).toHaveText(
      /^\[y, x\] \[\d+, \d+\] · source_Cells: \d+ · source_Inverted: \d+$/
    );
    // fits: nothing clipped, inside the panel, not over the canvas
    const fit = await readout.evaluate(el => ({
      clipped: el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1,
      width: el.getBoundingClientRect().width
    }));
    expect(fit.clipped).toBe(false);
    const r = (await readout.boundingBox())!;
    const p = (await panel.boundingBox())!;
    expect(r.x).toBeGreaterThanOrEqual(p.x);
    expect(r.x + r.width).toBeLessThanOrEqual(p.x + p.width + 1);
    const c = (await canvas.boundingBox())!;
    expect(r.y >= c.y + c.height - 1 || r.y + r.height <= c.y + 1).toBe(true);
    await shot(panel, name, testInfo);
  };
  await check('readout-default-split');

  // A wide panel: the viewer alone in the main area.
  await page.evaluate(() => ((window as any).jupyterapp.shell.mode = 'single-document'));
  await runCommand(page, 'pipeline-viewer:open', { port: PORT });
  await expect.poll(async () => (await panel.boundingBox())!.width).toBeGreaterThan(1000);
  await check('readout-wide');
  await page.evaluate(() => ((window as any).jupyterapp.shell.mode = 'multiple-document'));
});
