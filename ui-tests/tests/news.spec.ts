/**
 * The project's JupyterLab asks no news question (issue 10): its "Would you like to get
 * notified about official Jupyter news?" toast covered the viewer's sliders. The project's
 * lab settings override (scripts/setup.sh installs jupyter-config/lab-settings into the venv)
 * makes `fetchNews` "false". Galata mocks that setting by default, so this test gives the
 * notification plugin no mocked value and reads what the server's JupyterLab serves.
 */
import { expect, galata, test } from '@jupyterlab/galata';
import { gotoLabPatiently, PATIENT_LAB } from '../helpers/viewer-page.js';

const NOTIFICATION = '@jupyterlab/apputils-extension:notification';

test.use({
  mockSettings: { ...galata.DEFAULT_SETTINGS, [NOTIFICATION]: {} },
  ...PATIENT_LAB
});
test.beforeEach(({ page, tmpPath }) => gotoLabPatiently(page, tmpPath));

test('no Jupyter news toast, and news fetching is off by default', async ({ page }) => {
  const reply = await page.request.get(`/lab/api/settings/${NOTIFICATION}`);
  expect(reply.ok()).toBe(true);
  const plugin = await reply.json();
  expect(plugin.schema.properties.fetchNews.default).toBe('false');
  expect(plugin.schema.properties.checkForUpdates.default).toBe(false);

  // The server serves no news feed either (the page says so to the announcements plugin).
  const news = await page.evaluate(
    () => JSON.parse(document.getElementById('jupyter-config-data')!.textContent!).news
  );
  expect(news).toEqual({ disabled: true });

  // The question would pop up once the app is restored; give it time to.
  await page.waitForTimeout(3000);
  await expect(page.locator('.jp-toast-message', { hasText: /Jupyter news/ })).toHaveCount(0);
  await expect(page.getByText(/official Jupyter news/)).toHaveCount(0);
});
