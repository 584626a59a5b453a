// The panel of the installed wheel loads in that JupyterLab (Debian Chromium, headless) and
// shows the layers of the viewer server the notebook streamed to, through the proxy.
// Usage: node panel-check.mjs BASE_URL TOKEN DATA_PORT LAYER_COUNT (run by check_install.py).
import { chromium } from '@playwright/test';

const [base, token, port, layerCount] = process.argv.slice(2);
const BOUND_MS = 90_000;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-dev-shm-usage',
    '--use-angle=swiftshader',
    '--enable-unsafe-swiftshader'
  ]
});
const pageErrors = [];
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', error => pageErrors.push(error.message));
  await page.goto(`${base}/lab?token=${token}`, { timeout: BOUND_MS });
  await page.waitForFunction(
    () => window.jupyterapp?.commands.hasCommand('pipeline-viewer:open'),
    null,
    {
      timeout: BOUND_MS
    }
  );
  await page.evaluate(
    p => window.jupyterapp.commands.execute('pipeline-viewer:open', { port: p }),
    Number(port)
  );
  const panel = page.locator(`#pipeline-viewer-${port}`);
  await panel
    .locator('[data-testid="pipeline-viewer-status"][data-status="connected"]')
    .waitFor({ timeout: BOUND_MS });
  const rows = panel.locator('[data-testid^="pipeline-viewer-layer-"][data-layer-key]');
  await rows.nth(Number(layerCount) - 1).waitFor({ state: 'attached', timeout: BOUND_MS });
  const shown = await rows.count();
  if (shown !== Number(layerCount))
    throw new Error(`the panel lists ${shown} layers, the server holds ${layerCount}`);
  const version = await page.evaluate(() => window.jupyterapp.version);
  console.log(`panel check: JupyterLab ${version} shows ${shown} layer(s) of port ${port}`);
} catch (error) {
  console.error(
    `panel check failed: ${error.message}${pageErrors.length ? `\npage errors: ${pageErrors.join('\n')}` : ''}`
  );
  process.exitCode = 1;
} finally {
  await browser.close();
}
