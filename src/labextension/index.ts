/**
 * JupyterLab plugins of the pipeline viewer: the docked viewer panel with its commands,
 * settings, status-bar item and layout restoration, and the renderer of a run's progress
 * output in notebook cells.
 */
import {
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification, WidgetTracker } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { IStatusBar } from '@jupyterlab/statusbar';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { dataPortProblem } from '../protocol/ports.js';
import type { PipelineViewerState } from '../viewer-widget/index.js';
import { progressRendererFactory } from './progress-renderer.js';
import { runServerAction, type ServerAction } from './server-control.js';
import { readSettings } from './settings.js';
import { ViewerStatusItem } from './status-item.js';
import {
  CommandIDs,
  DEFAULT_SETTINGS,
  IPipelineViewerTracker,
  PANEL_MODES,
  PLUGIN_ID,
  type OpenArgs,
  type PanelMode,
  type ViewerSettings
} from './tokens.js';
import { ViewerPanel } from './viewer-panel.js';

const CATEGORY = 'Pipeline Viewer';
const STATE_PREFIX = 'jupyterlab-pipeline-viewer:state/';

function portArg(args: ReadonlyPartialJSONObject, fallback: number): number {
  const p = Number(args.port ?? fallback);
  const problem = dataPortProblem(p);
  if (problem) throw new Error(`pipeline viewer: ${problem}`);
  return p;
}

/** One line from the CLI's JSON output, e.g. "started (pid 123)". */
function summarize(stdout: string): string {
  try {
    const out = JSON.parse(stdout) as {
      server?: string;
      stopped?: boolean;
      reason?: string;
      pid?: number;
    };
    const pid = out.pid !== undefined ? ` (pid ${out.pid})` : '';
    if (out.server) return `${out.server}${pid}`;
    if (out.stopped !== undefined)
      return out.stopped ? `stopped${pid}` : (out.reason ?? 'not running');
  } catch {
    // not JSON: show it as it is
  }
  return stdout || 'done';
}

const viewerPlugin: JupyterFrontEndPlugin<WidgetTracker<ViewerPanel>> = {
  id: PLUGIN_ID,
  description:
    'Docked viewer of streamed pipeline images, with commands, settings and a status-bar item.',
  autoStart: true,
  provides: IPipelineViewerTracker,
  optional: [ILayoutRestorer, ICommandPalette, ISettingRegistry, IStateDB, IStatusBar],
  activate: async (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    registry: ISettingRegistry | null,
    state: IStateDB | null,
    statusBar: IStatusBar | null
  ) => {
    let settings: ViewerSettings = { ...DEFAULT_SETTINGS };
    const tracker = new WidgetTracker<ViewerPanel>({ namespace: 'pipeline-viewer' });

    if (registry) {
      try {
        const s = await registry.load(PLUGIN_ID);
        settings = readSettings(s);
        s.changed.connect(() => (settings = readSettings(s)));
      } catch (e) {
        console.warn(
          `pipeline viewer: settings of ${PLUGIN_ID} could not be loaded, using defaults`,
          e
        );
      }
    }

    const findPanel = (port: number) => tracker.find(w => w.dataPort === port) ?? null;
    const currentPort = () => tracker.currentWidget?.dataPort ?? settings.dataPort;

    const createPanel = async (
      port: number,
      mode: PanelMode,
      activate: boolean
    ): Promise<ViewerPanel> => {
      const panel = new ViewerPanel(port, settings.followNewest);
      const key = `${STATE_PREFIX}${port}`;
      if (state) {
        const saved = await state.fetch(key).catch(() => undefined);
        if (saved) panel.content.restore(saved as unknown as PipelineViewerState);
        panel.content.stateChanged.connect(() => {
          void state.save(key, panel.content.viewerState() as never);
        });
      }
      await tracker.add(panel);
      if (!panel.isAttached) app.shell.add(panel, 'main', { mode, activate });
      if (activate) app.shell.activateById(panel.id);
      return panel;
    };

    app.commands.addCommand(CommandIDs.open, {
      label: args =>
        args.port ? `Open Pipeline Viewer (port ${String(args.port)})` : 'Open Pipeline Viewer',
      caption: 'Open or focus the docked viewer of a viewer server',
      execute: async args => {
        const port = portArg(args, settings.dataPort);
        const a = args as OpenArgs;
        const activate = a.activate !== false;
        const existing = findPanel(port);
        if (existing) {
          if (activate) app.shell.activateById(existing.id);
          else if (!existing.isVisible) app.shell.activateById(existing.id);
          return existing;
        }
        const mode = a.mode && PANEL_MODES.includes(a.mode) ? a.mode : settings.mode;
        return createPanel(port, mode, activate);
      }
    });

    app.commands.addCommand(CommandIDs.clear, {
      label: 'Clear Pipeline Viewer',
      caption:
        "Empty the viewer server's layers (every panel of that port empties), as before a new run",
      execute: async args => {
        const port = portArg(args, currentPort());
        findPanel(port)?.content.clear();
        const result = await runServerAction('clear', port);
        if (!result.ok)
          Notification.error(
            `Clear Pipeline Viewer on port ${port} failed: ${result.stderr || result.stdout}`
          );
        return result as unknown as ReadonlyPartialJSONObject;
      }
    });

    const serverCommand = (action: ServerAction, label: string) => ({
      label: (args: ReadonlyPartialJSONObject) =>
        `${label} (port ${String(args.port ?? currentPort())})`,
      caption: `${label}: runs 'pipeline-viewer server ${action}' through the Jupyter server`,
      execute: async (args: ReadonlyPartialJSONObject) => {
        const port = portArg(args, currentPort());
        const result = await runServerAction(action, port);
        if (result.ok)
          Notification.success(`Viewer server on port ${port}: ${summarize(result.stdout)}`, {
            autoClose: 4000
          });
        else
          Notification.error(
            `${label} on port ${port} failed: ${result.stderr || result.stdout || `exit ${String(result.exit_code)}`}`
          );
        return result as unknown as ReadonlyPartialJSONObject;
      }
    });
    app.commands.addCommand(
      CommandIDs.startServer,
      serverCommand('start', 'Start Pipeline Viewer Server')
    );
    app.commands.addCommand(
      CommandIDs.stopServer,
      serverCommand('stop', 'Stop Pipeline Viewer Server')
    );

    if (palette) {
      for (const command of [
        CommandIDs.open,
        CommandIDs.clear,
        CommandIDs.startServer,
        CommandIDs.stopServer
      ]) {
        palette.addItem({ command, category: CATEGORY });
      }
    }

    if (restorer) {
      void restorer.restore(tracker, {
        command: CommandIDs.open,
        args: panel => ({ port: panel.dataPort, activate: false }),
        name: panel => String(panel.dataPort)
      });
    }

    if (statusBar) {
      const item = new ViewerStatusItem();
      let watched: ViewerPanel | null = null;
      const onStats = () => item.setStats(watched?.content.stats ?? null, watched?.dataPort);
      tracker.currentChanged.connect((_, panel) => {
        watched?.content.statsChanged.disconnect(onStats);
        watched = panel;
        panel?.content.statsChanged.connect(onStats);
        onStats();
      });
      statusBar.registerStatusItem(`${PLUGIN_ID}-status`, {
        item,
        align: 'left',
        rank: 100,
        isActive: () => tracker.size > 0
      });
    }

    return tracker;
  }
};

const progressPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-pipeline-viewer:progress',
  description:
    'Renders pipeline run progress in notebook outputs, with a button that opens the viewer.',
  autoStart: true,
  requires: [IRenderMimeRegistry, IPipelineViewerTracker],
  optional: [ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    rendermime: IRenderMimeRegistry,
    _tracker: unknown,
    registry: ISettingRegistry | null
  ) => {
    let settings: ViewerSettings = { ...DEFAULT_SETTINGS };
    registry
      ?.load(PLUGIN_ID)
      .then(s => {
        settings = readSettings(s);
        s.changed.connect(() => (settings = readSettings(s)));
      })
      .catch(e => console.warn(`pipeline viewer: settings of ${PLUGIN_ID} could not be loaded`, e));
    rendermime.addFactory(
      progressRendererFactory({ commands: app.commands, openOnRun: () => settings.openOnRun }),
      0
    );
  }
};

export default [viewerPlugin, progressPlugin];
