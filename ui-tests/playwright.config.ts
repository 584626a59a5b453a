/**
 * Galata (Playwright) configuration: a real JupyterLab from the project's .venv and Debian's
 * Chromium (no browser download). WebGL2 runs on SwiftShader in headless mode.
 */
import { defineConfig } from '@playwright/test';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import galataConfig from '@jupyterlab/galata/lib/playwright-config.js';

// Galata's defaults (CommonJS module.exports, typed as the module).
const baseConfig = galataConfig as unknown as { use: Record<string, unknown> } & Record<
  string,
  unknown
>;

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const jupyterPort = Number(process.env.UI_TESTS_JUPYTER_PORT ?? 30388);

export default defineConfig({
  ...baseConfig,
  testDir: './tests',
  outputDir: './test-results/artifacts',
  reporter: [['list'], ['html', { open: 'never', outputFolder: './playwright-report' }]],
  timeout: 240_000,
  expect: { timeout: 30_000 },
  retries: 0,
  workers: 1,
  fullyParallel: false,
  use: {
    ...baseConfig.use,
    baseURL: `http://127.0.0.1:${jupyterPort}`,
    viewport: { width: 1400, height: 900 },
    trace: 'retain-on-failure',
    video: 'off',
    screenshot: 'only-on-failure',
    actionTimeout: 30_000,
    navigationTimeout: 60_000,
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-dev-shm-usage',
        '--use-gl=angle',
        '--use-angle=swiftshader',
        '--enable-unsafe-swiftshader',
        '--ignore-gpu-blocklist'
      ]
    }
  },
  webServer: {
    command: `${path.join(repo, '.venv/bin/jupyter')} lab --config ${path.join(here, 'jupyter_server_test_config.py')}`,
    cwd: repo,
    url: `http://127.0.0.1:${jupyterPort}/lab`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      ...(process.env as Record<string, string>),
      PATH: `${path.join(repo, '.venv/bin')}:${process.env.PATH ?? ''}`,
      // The demo notebook streams to this data port during the walk (20300–20399 is ours).
      PIPELINE_VIEWER_PORT: process.env.PIPELINE_VIEWER_PORT ?? '20350'
    }
  }
});
