/** Page helpers for JupyterLab. */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';

type GalataReload = (options: { waitForIsReady: boolean }) => Promise<unknown>;

/**
 * Reloads JupyterLab and waits for the app, not for Galata's default readiness check (which
 * wants a Launcher tab that a restored layout need not have).
 */
export async function reloadLab(page: IJupyterLabPageFixture): Promise<void> {
  // Galata's page.reload takes waitForIsReady; its fixture type shows Playwright's signature.
  await (page.reload as unknown as GalataReload).call(page, { waitForIsReady: false });
  await page.waitForSelector('#jupyterlab-splash', { state: 'detached' });
}
