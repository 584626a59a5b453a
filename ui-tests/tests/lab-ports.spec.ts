/**
 * Issue 10, defects 2, 3 and 16: which viewer server a panel shows, and what it says while
 * there is none. "Open Pipeline Viewer" without a port opens the running server (not the
 * settings' 5555), in a second browser tab too; a port with no server says so and offers
 * Start; the panel never sends a request through the proxy to a closed port; the tab's
 * tooltip names the ports the server really uses. Data ports 21010–21016 (+1000, +3000).
 */
import { expect, test } from '@jupyterlab/galata';
import type { Page, Response } from '@playwright/test';
import { holdPort, runningPorts, startServerCli } from '../helpers/lab-servers.js';
import { gotoLabPatiently, PATIENT_LAB, runCommand, shot } from '../helpers/viewer-page.js';
import { stopServer } from '../helpers/viewer-server.js';

const RUNNING = 21010;
const NO_SERVER = 21011;
const LATE = 21012;
const HELD = 21013;
const PORTS = [RUNNING, NO_SERVER, LATE, HELD, HELD + 1];

test.use(PATIENT_LAB);
test.beforeEach(({ page, tmpPath }) => gotoLabPatiently(page, tmpPath));
test.beforeAll(async () => {
  for (const port of PORTS) await stopServer(port);
});
test.afterAll(async () => {
  for (const port of PORTS) await stopServer(port);
});

/** Runs "Open Pipeline Viewer" with no port, choosing `port` if a chooser asks. */
async function openWithoutPort(page: Page, port: number): Promise<void> {
  const opened = page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('pipeline-viewer:open', {}).then(() => null)
  );
  // Other programs' servers of this user may run too: then the user picks from a list.
  const others = (await runningPorts()).filter(p => p !== port);
  if (others.length > 0) {
    const dialog = page.locator('.jp-Dialog');
    const label = await dialog
      .locator('option')
      .filter({ hasText: new RegExp(`^port ${port} `) })
      .first()
      .textContent();
    await dialog.locator('select').selectOption({ label: label ?? '' });
    await dialog.locator('.jp-mod-accept').click();
  }
  await opened;
}

/** Responses of the proxy that mean it met a closed port (what Jupyter logs a traceback for). */
function watchProxyFailures(page: Page): string[] {
  const failures: string[] = [];
  page.on('response', (r: Response) => {
    if (r.url().includes('/proxy/') && r.status() >= 500) failures.push(`${r.status()} ${r.url()}`);
  });
  return failures;
}

test("Open Pipeline Viewer opens the running server, not the settings' port", async ({
  page,
  context
}, testInfo) => {
  await startServerCli(RUNNING);
  await openWithoutPort(page, RUNNING);
  const panel = page.locator(`#pipeline-viewer-${RUNNING}`);
  await expect(panel.getByTestId('pipeline-viewer-status')).toHaveAttribute(
    'data-status',
    'connected'
  );
  await expect(page.locator('#pipeline-viewer-5555')).toHaveCount(0);
  await shot(panel, 'opened-running-server', testInfo);

  // A second browser tab gets a workspace of its own, without the panel: Open finds the server.
  const second = await context.newPage();
  await second.goto(`lab/workspaces/h1-second-tab?reset`);
  await expect
    .poll(() => second.evaluate(() => !!(window as any).jupyterapp?.commands), {
      timeout: 120_000
    })
    .toBe(true);
  await second.evaluate(() => (window as any).jupyterapp.started);
  await expect(second.locator(`#pipeline-viewer-${RUNNING}`)).toHaveCount(0);
  await openWithoutPort(second, RUNNING);
  await expect(
    second.locator(`#pipeline-viewer-${RUNNING}`).getByTestId('pipeline-viewer-status')
  ).toHaveAttribute('data-status', 'connected');
  await second.close();
});

test('a port without a server says so, offers Start, and never shows a raw HTTP error', async ({
  page
}, testInfo) => {
  const failures = watchProxyFailures(page);
  await runCommand(page, 'pipeline-viewer:open', { port: NO_SERVER });
  const panel = page.locator(`#pipeline-viewer-${NO_SERVER}`);
  const notice = panel.getByTestId('pipeline-viewer-notice');
  await expect(notice).toContainText(`No viewer server on port ${NO_SERVER}`);
  await expect(notice.getByTestId('pipeline-viewer-start-button')).toBeVisible();
  await shot(panel, 'no-server-notice', testInfo);
  await expect(panel).not.toContainText(/HTTP \d{3}/);

  await notice.getByTestId('pipeline-viewer-start-button').click();
  await expect(panel.getByTestId('pipeline-viewer-status')).toHaveAttribute(
    'data-status',
    'connected'
  );
  await expect(notice).toBeHidden();
  await expect(panel).not.toContainText(/HTTP \d{3}/);
  expect(failures).toEqual([]);
});

test('a panel opened before its server starts waits for it; the proxy never meets a closed port', async ({
  page
}) => {
  const failures = watchProxyFailures(page);
  await runCommand(page, 'pipeline-viewer:open', { port: LATE });
  const panel = page.locator(`#pipeline-viewer-${LATE}`);
  await expect(panel.getByTestId('pipeline-viewer-notice')).toContainText(
    `No viewer server on port ${LATE}`
  );
  await startServerCli(LATE); // as a notebook's first run starts it
  await expect(panel.getByTestId('pipeline-viewer-status')).toHaveAttribute(
    'data-status',
    'connected',
    { timeout: 60_000 }
  );
  await expect(panel.getByTestId('pipeline-viewer-notice')).toBeHidden();
  expect(failures).toEqual([]);
});

test("the tab's tooltip names the ports the server really uses", async ({ page }) => {
  const held = await holdPort(HELD); // another program holds the data port
  try {
    const started = await startServerCli(HELD);
    expect(started.ports.data).not.toBe(HELD);
    await runCommand(page, 'pipeline-viewer:open', { port: HELD });
    const panel = page.locator(`#pipeline-viewer-${HELD}`);
    await expect(panel.getByTestId('pipeline-viewer-status')).toHaveAttribute(
      'data-status',
      'connected'
    );
    const caption = await page.evaluate(
      port =>
        (window as any).jupyterapp.shell
          .widgets('main')
          .find((w: any) => w.id === `pipeline-viewer-${port}`)?.title.caption,
      HELD
    );
    expect(caption).toContain(`data port ${started.ports.data}`);
    expect(caption).toContain(`HTTP ${started.ports.http}`);
    expect(caption).not.toContain(`HTTP ${HELD + 3000}`);
  } finally {
    await held.close();
  }
});
