/**
 * JupyterLab plugins of the pipeline viewer (the default export):
 *
 * - `jupyterlab-pipeline-viewer:plugin` — the docked viewer panels: settings, commands,
 *   palette items, layout restoration; provides IPipelineViewerTracker;
 * - `jupyterlab-pipeline-viewer:status` — the status-bar item of the current panel;
 * - `jupyterlab-pipeline-viewer:progress` — renders a run's progress output in notebook cells.
 *
 * The named exports (tokens.ts and CommandIDs) are for other extensions.
 */
import {
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IFileBrowserFactory } from '@jupyterlab/filebrowser';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { plateMapRendererFactory } from './plate-map-renderer.js';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { IStatusBar } from '@jupyterlab/statusbar';
import { addCommands, CATEGORY, CommandIDs, PALETTE_COMMANDS } from './commands.js';
import { progressRendererFactory } from './progress-renderer.js';
import { SettingsHolder } from './settings.js';
import { followCurrentPanel, ViewerStatusItem } from './status-item.js';
import { IPipelineViewerTracker, PLUGIN_ID } from './tokens.js';
import { PipelineViewerTracker } from './tracker.js';

export * from './tokens.js';
export { CommandIDs } from './commands.js';

/** Settings of PLUGIN_ID: loaded once by viewerPlugin, read by the progress plugin too. */
const settings = new SettingsHolder();

const viewerPlugin: JupyterFrontEndPlugin<IPipelineViewerTracker> = {
  id: PLUGIN_ID,
  description: 'Docked viewer of streamed pipeline images, with its commands and settings.',
  autoStart: true,
  provides: IPipelineViewerTracker,
  optional: [ILayoutRestorer, ICommandPalette, ISettingRegistry, IStateDB, IFileBrowserFactory],
  activate: async (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    registry: ISettingRegistry | null,
    state: IStateDB | null,
    fileBrowser: IFileBrowserFactory | null
  ): Promise<IPipelineViewerTracker> => {
    const tracker = new PipelineViewerTracker();
    await settings.load(registry);
    // "Open in Pipeline Viewer" sits in the folder context menu (schema/plugin.json).
    addCommands({ app, tracker, settings, state, fileBrowser });

    if (palette) {
      for (const command of PALETTE_COMMANDS) palette.addItem({ command, category: CATEGORY });
    }

    if (restorer) {
      void restorer.restore(tracker, {
        command: CommandIDs.open,
        args: panel => ({ port: panel.dataPort, activate: false }),
        name: panel => String(panel.dataPort)
      });
    }

    return tracker;
  }
};

const statusPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-pipeline-viewer:status',
  description:
    "Shows the current viewer panel's connection, frames per second and drops in the status bar.",
  autoStart: true,
  requires: [IPipelineViewerTracker, IStatusBar],
  activate: (_app: JupyterFrontEnd, tracker: IPipelineViewerTracker, statusBar: IStatusBar) => {
    const item = new ViewerStatusItem();
    followCurrentPanel(tracker, item);
    statusBar.registerStatusItem(`${PLUGIN_ID}-status`, {
      item,
      align: 'left',
      rank: 100,
      isActive: () => tracker.size > 0
    });
  }
};

const progressPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-pipeline-viewer:progress',
  description:
    'Renders pipeline run progress in notebook outputs, with a button that opens the viewer.',
  autoStart: true,
  // The tracker: the open command the renderer runs exists, and the settings are loaded.
  requires: [IRenderMimeRegistry, IPipelineViewerTracker],
  activate: (app: JupyterFrontEnd, rendermime: IRenderMimeRegistry) => {
    rendermime.addFactory(
      progressRendererFactory({
        commands: app.commands,
        openOnRun: () => settings.current.openOnRun
      }),
      0
    );
    rendermime.addFactory(plateMapRendererFactory(app.commands), 0);
  }
};

export default [viewerPlugin, statusPlugin, progressPlugin];
