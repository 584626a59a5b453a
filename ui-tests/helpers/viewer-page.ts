/** A viewer panel in the page: start its server and open it through the extension's commands. */
import { expect, type IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator, Page, TestInfo } from '@playwright/test';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { REPO } from './viewer-server.js';

/**
 * Galata gives JupyterLab 15 s to start and the Launcher tab 15 s more, which a shared
 * 2-core machine running other suites can exceed. In a spec:
 *   test.use(PATIENT_LAB);
 *   test.beforeEach(({ page, tmpPath }) => gotoLabPatiently(page, tmpPath));
 */
export const PATIENT_LAB = {
  autoGoto: false,
  waitForApplication: async (
    {}: object,
    use: (wait: (page: Page) => Promise<void>) => Promise<void>
  ): Promise<void> => {
    await use(async page => {
      await page.locator('#jupyterlab-splash').waitFor({ state: 'detached', timeout: 120_000 });
      await page
        .locator('.lm-DockPanel-tabBar .lm-TabBar-tab', { hasText: 'Launcher' })
        .first()
        .waitFor({ timeout: 60_000 });
    });
  }
};

/** Galata's `goto` (and `reload`) of a fresh workspace, waiting up to 2 minutes for the app. */
export async function gotoLabPatiently(
  page: IJupyterLabPageFixture,
  tmpPath: string
): Promise<void> {
  // an own property of Galata's page object, read by its goto and reload
  (page as unknown as { waitForAppStarted: () => Promise<void> }).waitForAppStarted = async () => {
    await expect
      .poll(
        () =>
          page.evaluate(async () => {
            const app = (window as any).jupyterapp;
            if (typeof app !== 'object') return false;
            await app.started;
            return true;
          }),
        { timeout: 120_000 }
      )
      .toBe(true);
  };
  await page.goto(`tree/${tmpPath}?reset`);
}

/** Runs a JupyterLab command; returns its result when it is plain data (not a widget). */
export async function runCommand(
  page: IJupyterLabPageFixture,
  id: string,
  args: Record<string, unknown>
): Promise<any> {
  return page.evaluate(
    async ({ id, args }) => {
      const result = await (window as any).jupyterapp.commands.execute(id, args);
      return result && typeof result === 'object' && 'ok' in result ? result : null;
    },
    { id, args }
  );
}

/** Starts the viewer server of `port`, opens its panel and waits until it is connected. */
export async function openViewer(
  page: IJupyterLabPageFixture,
  port: number,
  args: Record<string, unknown> = {}
): Promise<Locator> {
  const started = await runCommand(page, 'pipeline-viewer:start-server', { port });
  expect(started).toMatchObject({ ok: true, port });
  await runCommand(page, 'pipeline-viewer:open', { port, ...args });
  const panel = page.locator(`#pipeline-viewer-${port}`);
  await expect(panel.getByTestId('pipeline-viewer-status')).toHaveAttribute(
    'data-status',
    'connected'
  );
  return panel;
}

/** The panel of `port` with its server emptied, so a test shows only what it streams. */
export async function emptyViewer(page: IJupyterLabPageFixture, port: number): Promise<Locator> {
  const panel = await openViewer(page, port);
  await runCommand(page, 'pipeline-viewer:clear', { port });
  await expect(panel.locator('[data-layer-key]')).toHaveCount(0);
  return panel;
}

/** Runs ui-tests/helpers/stream-steps.mjs (a real pipeline run; see there for the kinds). */
export function streamSteps(
  workDir: string,
  port: number,
  kind: 'projection' | 'two-layers'
): Promise<{ sent: number; dropped: number }> {
  const script = path.join(REPO, 'ui-tests', 'helpers', 'stream-steps.mjs');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [script, workDir, String(port), kind],
      { cwd: REPO, timeout: 120_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`stream-steps ${kind} failed: ${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
      }
    );
  });
}

/** How many lines an element's text takes (its client rects' distinct tops). */
export function lineCount(locator: Locator): Promise<number> {
  return locator.evaluate(el => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    return tops.size;
  });
}

/** A screenshot of `target` kept in the test's output folder and attached to the report. */
export async function shot(
  target: Locator | Page,
  name: string,
  testInfo: TestInfo
): Promise<void> {
  const file = testInfo.outputPath(`${name}.png`);
  await target.screenshot({ path: file });
  await testInfo.attach(name, { path: file, contentType: 'image/png' });
}
