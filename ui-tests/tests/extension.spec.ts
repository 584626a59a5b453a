/**
 * The extension loads in a real JupyterLab: its three plugins activate, palette commands
 * exist, the open command docks the viewer panel to the right, the status-bar item appears
 * with it, the tracker token finds a panel by its data port.
 */
import { expect, test } from '@jupyterlab/galata';

test.use({ autoGoto: true });

test('palette lists the viewer commands and opens a panel docked on the right', async ({
  page
}, testInfo) => {
  await page.keyboard.press('Control+Shift+C');
  const palette = page.locator('#command-palette');
  await expect(palette).toBeVisible();
  await palette.locator('input').fill('Pipeline Viewer');
  const items = palette.locator('.lm-CommandPalette-item');
  await expect(items.filter({ hasText: 'Open Pipeline Viewer' })).toHaveCount(1);
  await expect(items.filter({ hasText: 'Clear Pipeline Viewer' })).toHaveCount(1);
  await expect(items.filter({ hasText: 'Start Pipeline Viewer Server' })).toHaveCount(1);
  await expect(items.filter({ hasText: 'Stop Pipeline Viewer Server' })).toHaveCount(1);
  await items.filter({ hasText: 'Open Pipeline Viewer' }).click();

  const panel = page.locator('#pipeline-viewer-5555');
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId('pipeline-viewer')).toBeVisible();
  await expect(
    page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', { hasText: 'Pipeline viewer :5555' })
  ).toHaveCount(1);

  // split-right: the panel sits on the right of the launcher, both visible.
  const launcher = await page.locator('.jp-Launcher').boundingBox();
  const box = await panel.boundingBox();
  expect(launcher).not.toBeNull();
  expect(box).not.toBeNull();
  expect(box!.x).toBeGreaterThan(launcher!.x + launcher!.width / 2);

  await expect(page.getByTestId('pipeline-viewer-statusbar')).toBeVisible();
  await testInfo.attach('panel-docked', {
    body: await page.screenshot(),
    contentType: 'image/png'
  });
});

test('the three plugins activate and the tracker finds the panel of a port', async ({ page }) => {
  const found = await page.evaluate(async () => {
    const app = (window as any).jupyterapp;
    const activated = ['plugin', 'status', 'progress'].map(name =>
      app.isPluginActivated(`jupyterlab-pipeline-viewer:${name}`)
    );
    // Another extension imports the token; here it is looked up by name among the
    // plugin registry's services (Lumino internals, test only).
    const token = [...app.pluginRegistry._services.keys()].find(
      (t: { name: string }) => t.name === 'jupyterlab-pipeline-viewer:IPipelineViewerTracker'
    );
    const tracker = await app.resolveRequiredService(token);
    const before = tracker.findByPort(20304);
    await app.commands.execute('pipeline-viewer:open', { port: 20304, activate: false });
    const panel = tracker.findByPort(20304);
    return {
      activated,
      before,
      id: panel?.id,
      dataPort: panel?.dataPort,
      other: tracker.findByPort(20305)
    };
  });
  expect(found).toEqual({
    activated: [true, true, true],
    before: null,
    id: 'pipeline-viewer-20304',
    dataPort: 20304,
    other: null
  });
  await expect(page.getByTestId('pipeline-viewer-statusbar')).toBeVisible();
});

test('the start/stop hook refuses bad input with a clear reason', async ({ page }) => {
  const url = '/pipeline-viewer/server';
  const lowPort = await page.request.post(url, { data: { action: 'start', port: 80 } });
  expect(lowPort.status()).toBe(400);
  expect(await lowPort.text()).toContain('data port must be an integer in 1024..62535');

  const badAction = await page.request.post(url, { data: { action: 'launch', port: 20302 } });
  expect(badAction.status()).toBe(400);
  expect(await badAction.text()).toContain(
    "action must be one of start, stop, status, clear, got 'launch'"
  );

  const notANumber = await page.request.get(`${url}?port=abc`);
  expect(notANumber.status()).toBe(400);
  expect(await notANumber.text()).toContain("port must be an integer, got 'abc'");

  // A port with no server: status answers, not ok, and says so.
  const none = await page.request.get(`${url}?port=20302`);
  expect(none.status()).toBe(200);
  const body = await none.json();
  expect(body).toMatchObject({ action: 'status', port: 20302, ok: false, exit_code: 1 });
  expect(body.stderr).toContain('no viewer server answers on port 20302');
});

test('the docked panel follows the light and dark themes', async ({ page }, testInfo) => {
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('pipeline-viewer:open', { port: 20303 })
  );
  const panel = page.locator('#pipeline-viewer-20303');
  await expect(panel).toBeVisible();
  const colors = () =>
    panel.evaluate(el => {
      const css = getComputedStyle(el.querySelector('.jp-PipelineViewer') as Element);
      return { background: css.backgroundColor, color: css.color };
    });
  const light = await colors();
  await testInfo.attach('panel-light', { body: await page.screenshot(), contentType: 'image/png' });

  await page.theme.setDarkTheme();
  await expect.poll(async () => (await colors()).background).not.toBe(light.background);
  const dark = await colors();
  expect(dark.color).not.toBe(light.color);
  await testInfo.attach('panel-dark', { body: await page.screenshot(), contentType: 'image/png' });
  await page.theme.setLightTheme();
});
