/**
 * Issue 17, part 1, in a real JupyterLab: a plate streamed into the panel, the server killed
 * with SIGKILL and started again through the extension; the open panel reconnects and shows
 * the same layer, marked restored, with the same pixels at the same well. Data port 24550
 * (+1000, +3000).
 */
import { expect, test } from '@jupyterlab/galata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { settledCanvas } from '../helpers/canvas.js';
import { runCommand } from '../helpers/viewer-page.js';
import { serverStatus, stopServer, streamPlate } from '../helpers/viewer-server.js';

const PORT = Number(process.env.PIPELINE_VIEWER_PERSIST_PORT ?? 24550);

/** What status says of the layer store (docs/viewer-server.md, Persistent layers). */
type Saved = { store?: { unsaved_planes: number } };

let work: string;
test.beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-ui-persist-'));
  await stopServer(PORT); // and its stored layers: the spec starts from an empty store
});
test.afterAll(async () => {
  await stopServer(PORT);
  fs.rmSync(work, { recursive: true, force: true });
});

test('the panel shows the restored layers, same pixels, after the server was killed and started again', async ({
  page
}, testInfo) => {
  const started = await runCommand(page, 'pipeline-viewer:start-server', { port: PORT });
  expect(started).toMatchObject({ ok: true, action: 'start' });
  await runCommand(page, 'pipeline-viewer:open', { port: PORT });
  const panel = page.locator(`#pipeline-viewer-${PORT}`);
  const status = panel.getByTestId('pipeline-viewer-status');
  await expect(status).toHaveAttribute('data-status', 'connected');

  expect(await streamPlate(work, PORT)).toMatchObject({ sent: 4, dropped: 0 });
  const row = panel.getByTestId('pipeline-viewer-layer-source_Cells');
  await expect(row).toContainText('· 4');
  await expect(row).toHaveAttribute('data-origin', 'live');

  // Well A01 (slider position 0), not following newest: what the user looked at.
  await panel.getByTestId('pipeline-viewer-follow').uncheck();
  const overlay = panel.getByTestId('pipeline-viewer-overlay');
  const canvas = panel.getByTestId('pipeline-viewer-canvas');
  await panel.getByTestId('pipeline-viewer-slider-well').fill('0');
  await expect(overlay).toHaveText(/^Well A01 \| /);
  const before = await settledCanvas(canvas);
  expect(before.lit).toBeGreaterThan(0);
  const shot = async (name: string) => {
    const file = testInfo.outputPath(`${name}.png`);
    await panel.screenshot({ path: file });
    await testInfo.attach(name, { path: file, contentType: 'image/png' });
  };
  await shot('streamed');

  // Every plane saved (bounded wait), then SIGKILL: nothing gets a chance to clean up.
  await expect
    .poll(async () => ((await serverStatus(PORT)) as Saved).store?.unsaved_planes, {
      timeout: 30_000
    })
    .toBe(0);
  const { pid } = await serverStatus(PORT);
  process.kill(pid, 'SIGKILL');
  await expect(status).not.toHaveAttribute('data-status', 'connected');

  const restarted = await runCommand(page, 'pipeline-viewer:start-server', { port: PORT });
  expect(restarted).toMatchObject({ ok: true, action: 'start' });
  expect(JSON.parse(restarted.stdout).pid).not.toBe(pid);
  await expect(status).toHaveAttribute('data-status', 'connected', { timeout: 30_000 });
  await expect(row).toContainText('· 4 · restored');
  await expect(row).toHaveAttribute('data-origin', 'restored');
  await panel.getByTestId('pipeline-viewer-slider-well').fill('0');
  await expect(overlay).toHaveText(/^Well A01 \| /);
  const after = await settledCanvas(canvas);
  expect(after.hash).toBe(before.hash);
  expect(after.mean).toBe(before.mean);
  await shot('restored');
});
