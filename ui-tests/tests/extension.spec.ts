/**
 * The extension loads in a real JupyterLab: palette commands exist, the open command docks
 * the viewer panel to the right, the status-bar item appears with it.
 */
import { expect, test } from '@jupyterlab/galata';

test.use({ autoGoto: true });

test('palette lists the viewer commands and opens a panel docked on the right', async ({ page }, testInfo) => {
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
  await expect(page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', { hasText: 'Pipeline viewer :5555' })).toHaveCount(1);

  // split-right: the panel sits on the right of the launcher, both visible.
  const launcher = await page.locator('.jp-Launcher').boundingBox();
  const box = await panel.boundingBox();
  expect(launcher).not.toBeNull();
  expect(box).not.toBeNull();
  expect(box!.x).toBeGreaterThan(launcher!.x + launcher!.width / 2);

  await expect(page.getByTestId('pipeline-viewer-statusbar')).toBeVisible();
  await testInfo.attach('panel-docked', { body: await page.screenshot(), contentType: 'image/png' });
});
