/**
 * Issue 10, defects 17 and 6: what a run's progress output and the status bar say after
 * runs that did not end well. A run whose viewer server stopped during it reads "degraded"
 * with the reason, not a green "done" with the dead server's pid; a 'running' output whose
 * kernel restarted (or that nobody updates any more, as in a reopened notebook) reads
 * "stopped (…)"; after a clean run the status bar counts no drops, however fast the user
 * steps through the planes. Data ports 21020–21022 (+1000, +3000).
 */
import { expect, test } from '@jupyterlab/galata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gotoLabPatiently, PATIENT_LAB, runCommand, shot } from '../helpers/viewer-page.js';
import { stopServer, streamPlate } from '../helpers/viewer-server.js';

const MIME = 'application/vnd.jupyterlab-pipeline-viewer.progress+json';
const DEGRADED_PORT = 21020;
const LIVE_PORT = 21021;
const CLEAN_PORT = 21022;

test.use(PATIENT_LAB);
test.beforeEach(({ page, tmpPath }) => gotoLabPatiently(page, tmpPath));
test.afterAll(async () => {
  for (const port of [DEGRADED_PORT, LIVE_PORT, CLEAN_PORT]) await stopServer(port);
});

/** A saved progress output, as runWithProgress displays it. */
function progressOutput(progress: Record<string, unknown>) {
  return {
    output_type: 'display_data',
    metadata: {},
    data: {
      [MIME]: {
        title: 'Pipeline "demo" on plate demo-plate',
        wells_done: 4,
        wells_total: 4,
        frames_streamed: 6,
        drops: 18,
        elapsed_s: 3.2,
        server_pid: null,
        created_at: Date.now() - 3_600_000,
        open_viewer: false,
        ...progress
      },
      'text/plain': 'pipeline progress'
    }
  };
}

function notebook(cells: { source: string; outputs?: unknown[] }[], kernel: 'python3' | 'deno') {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec:
        kernel === 'deno'
          ? { name: 'deno', display_name: 'Deno', language: 'typescript' }
          : { name: 'python3', display_name: 'Python 3', language: 'python' }
    },
    cells: cells.map((c, i) => ({
      cell_type: 'code',
      id: `cell-${i}`,
      metadata: {},
      execution_count: null,
      source: c.source,
      outputs: c.outputs ?? []
    }))
  });
}

test('a run whose server stopped reads degraded with why; an old running output reads stopped', async ({
  page,
  tmpPath
}, testInfo) => {
  const warning = `the viewer server on port ${DEGRADED_PORT} stopped during the run (pid 4242 is gone): 18 of 24 frames (75 %) dropped`;
  const file = `${tmpPath}/outcomes.ipynb`;
  await page.contents.uploadContent(
    notebook(
      [
        {
          source: '// degraded',
          outputs: [progressOutput({ phase: 'degraded', port: DEGRADED_PORT, warning })]
        },
        {
          source: '// still "running" when the notebook was saved',
          outputs: [progressOutput({ phase: 'running', port: DEGRADED_PORT, wells_done: 1 })]
        }
      ],
      'python3'
    ),
    'text',
    file
  );
  await page.notebook.openByPath(file);
  const outputs = page.getByTestId('pipeline-viewer-progress');
  await expect(outputs).toHaveCount(2);

  const degraded = outputs.nth(0);
  await expect(degraded).toHaveAttribute('data-phase', 'degraded');
  await expect(degraded.getByTestId('pipeline-viewer-progress-line')).toHaveText(
    /^degraded · wells 4\/4 · 6 frames streamed · 18 drops/
  );
  await expect(degraded.getByTestId('pipeline-viewer-progress-warning')).toHaveText(
    `Degraded: ${warning}`
  );
  await expect(degraded).not.toContainText('server pid');

  // Nobody updates the old output: within the stale bound (15 s) it says the run stopped.
  const old = outputs.nth(1);
  await expect(old).toHaveAttribute('data-phase', 'stopped', { timeout: 40_000 });
  await expect(old.getByTestId('pipeline-viewer-progress-line')).toHaveText(
    /^stopped \(no update for 15 s.*\) · wells 1\/4/
  );
  await shot(page.locator('.jp-NotebookPanel'), 'degraded-and-stopped', testInfo);
});

test.describe('with the real kernels API', () => {
  test.use({ kernels: null });

  test('a running output says "stopped (kernel restarted)" when its kernel restarts', async ({
    page,
    tmpPath
  }, testInfo) => {
    test.setTimeout(300_000);
    // (Galata's kernel mock answers a restart as a creation, 201; this test restarts for real.)
    const file = `${tmpPath}/long-run.ipynb`;
    const source = [
      "import { RunProgressDisplay } from 'jupyterlab-pipeline-viewer/notebook';",
      `const progress = new RunProgressDisplay({ title: 'A long run', port: ${LIVE_PORT}, wellsTotal: 8 });`,
      'for (let i = 0; i < 3000; i++) {',
      '  progress.update({ wellsDone: Math.min(7, i >> 6) });',
      '  await new Promise(r => setTimeout(r, 100));',
      '}'
    ].join('\n');
    await page.contents.uploadContent(notebook([{ source }], 'deno'), 'text', file);
    await page.notebook.openByPath(file);
    await expect(page.locator('.jp-NotebookPanel-toolbar .jp-KernelName')).toHaveText(/Deno/, {
      timeout: 60_000
    });
    await page.menu.clickMenuItem('Run>Run All Cells');
    const output = page.getByTestId('pipeline-viewer-progress');
    await expect(output).toHaveAttribute('data-phase', 'running', { timeout: 120_000 });

    await page.evaluate(async () => {
      const panel = (window as any).jupyterapp.shell.currentWidget;
      await panel.sessionContext.session.kernel.restart();
    });
    await expect(output).toHaveAttribute('data-phase', 'stopped', { timeout: 10_000 });
    await expect(output.getByTestId('pipeline-viewer-progress-line')).toHaveText(
      /^stopped \(kernel restarted\) · wells \d\/8/
    );
    await shot(output, 'stopped-kernel-restarted', testInfo);
    await page.evaluate(async () => {
      const panel = (window as any).jupyterapp.shell.currentWidget;
      await panel.sessionContext.session.shutdown();
    });
  });
});

test('after a clean run the status bar counts no drops, however fast one steps', async ({
  page
}) => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-h1-'));
  try {
    await runCommand(page, 'pipeline-viewer:start-server', { port: CLEAN_PORT });
    const streamed = await streamPlate(work, CLEAN_PORT);
    expect(streamed).toMatchObject({ dropped: 0 });
    await runCommand(page, 'pipeline-viewer:open', { port: CLEAN_PORT });
    const panel = page.locator(`#pipeline-viewer-${CLEAN_PORT}`);
    await expect(panel.getByTestId('pipeline-viewer-status')).toHaveAttribute(
      'data-status',
      'connected'
    );
    await expect(panel.locator('[data-layer-key]')).not.toHaveCount(0);
    await panel.locator('canvas').first().click();
    for (let i = 0; i < 12; i++) await page.keyboard.press(i % 4 < 2 ? 'ArrowRight' : 'ArrowLeft');
    for (let i = 0; i < 12; i++) await page.keyboard.press('ArrowUp');
    const status = page.getByTestId('pipeline-viewer-statusbar');
    await expect(status).toContainText('connected');
    await expect(status).toContainText('· 0 drops');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
