/**
 * The extension's commands: open (or focus) the docked viewer of a port, clear a viewer
 * server's layers, start and stop a viewer server through the server extension, open a plate
 * folder of the file browser (open-from-disk.ts).
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { InputDialog, Notification } from '@jupyterlab/apputils';
import type { IFileBrowserFactory } from '@jupyterlab/filebrowser';
import type { IStateDB } from '@jupyterlab/statedb';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { dataPortProblem } from '../protocol/ports.js';
import type { PipelineViewerState } from '../viewer-widget/index.js';
import { openFromDiskCommand } from './open-from-disk.js';
import { choosePort, lastRunPort, serverLabel } from './port-choice.js';
import {
  listServers,
  runServerAction,
  type RunningServer,
  type ServerAction,
  type ServerActionResult
} from './server-control.js';
import type { SettingsHolder } from './settings.js';
import { PANEL_MODES, type IViewerPanel, type OpenArgs, type PanelMode } from './tokens.js';
import type { PipelineViewerTracker } from './tracker.js';
import { ViewerPanel } from './viewer-panel.js';

/** Command ids (the `port` argument of each is a data port; see docs/jupyterlab.md). */
// eslint-disable-next-line @typescript-eslint/no-namespace -- JupyterLab's CommandIDs idiom
export namespace CommandIDs {
  /** Open or focus the panel of a port; args: OpenArgs. */
  export const open = 'pipeline-viewer:open';
  /** Empty a viewer server's layers (every panel of that port empties). */
  export const clear = 'pipeline-viewer:clear';
  export const startServer = 'pipeline-viewer:start-server';
  export const stopServer = 'pipeline-viewer:stop-server';
  /** Show a plate folder from disk (args: path relative to Jupyter's root, else the file
   * browser's selected folder; port, else as open); the file browser's folder context menu. */
  export const openFromDisk = 'pipeline-viewer:open-from-disk';
}

/** Palette category of the commands. */
export const CATEGORY = 'Pipeline Viewer';

/** The commands listed in the command palette, in this order. */
export const PALETTE_COMMANDS = [
  CommandIDs.open,
  CommandIDs.clear,
  CommandIDs.startServer,
  CommandIDs.stopServer
];

/** IStateDB key prefix of each panel's viewer state (slider, layers, camera). */
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

/** What the commands work with. */
export interface CommandContext {
  app: JupyterFrontEnd;
  tracker: PipelineViewerTracker;
  settings: SettingsHolder;
  /** Where each panel's viewer state is saved and restored from, if available. */
  state: IStateDB | null;
  /** The file browsers, whose selected folder "Open in Pipeline Viewer" opens. */
  fileBrowser?: IFileBrowserFactory | null;
}

export function addCommands({
  app,
  tracker,
  settings,
  state,
  fileBrowser = null
}: CommandContext): void {
  const currentPort = () => tracker.currentWidget?.dataPort ?? settings.current.dataPort;

  /** The panel's Start button: the start command, rejecting when it failed. */
  const startServer = async (port: number): Promise<void> => {
    const result = (await app.commands.execute(CommandIDs.startServer, {
      port
    })) as unknown as ServerActionResult;
    if (!result.ok) throw new Error(result.stderr || result.stdout || 'the start command failed');
  };

  /** The port to open when none is named (port-choice.ts); null when the user cancelled. */
  const portToOpen = async (): Promise<number | null> => {
    const servers = await listServers().catch((err: Error): RunningServer[] => {
      console.warn(`pipeline viewer: ${err.message}`);
      return [];
    });
    const choice = choosePort(servers, lastRunPort(), settings.current.dataPort);
    if ('port' in choice) return choice.port;
    const labels = choice.choose.map(serverLabel);
    const picked = await InputDialog.getItem({
      title: 'Open Pipeline Viewer',
      label: 'Several of your viewer servers are running. Open which one?',
      items: labels,
      current: 0
    });
    if (!picked.button.accept || picked.value === null) return null;
    return choice.choose[Math.max(0, labels.indexOf(picked.value))].ports.data;
  };

  const createPanel = async (
    port: number,
    mode: PanelMode,
    activate: boolean
  ): Promise<IViewerPanel> => {
    const panel = new ViewerPanel(port, settings.current.followNewest, startServer);
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
    caption:
      "Open or focus the docked viewer of a viewer server (without a port: the last run's, or one of your running servers)",
    execute: async args => {
      const port = args.port === undefined ? await portToOpen() : portArg(args, 0);
      if (port === null) return null;
      const a = args as OpenArgs;
      const activate = a.activate !== false;
      const existing = tracker.findByPort(port);
      if (existing) {
        if (activate) app.shell.activateById(existing.id);
        else if (!existing.isVisible) app.shell.activateById(existing.id);
        return existing;
      }
      const mode = a.mode && PANEL_MODES.includes(a.mode) ? a.mode : settings.current.mode;
      return createPanel(port, mode, activate);
    }
  });

  app.commands.addCommand(CommandIDs.clear, {
    label: 'Clear Pipeline Viewer',
    caption:
      "Empty the viewer server's layers (every panel of that port empties), as before a new run",
    execute: async args => {
      const port = portArg(args, currentPort());
      tracker.findByPort(port)?.content.clear();
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
  app.commands.addCommand(
    CommandIDs.openFromDisk,
    openFromDiskCommand({
      app,
      fileBrowser,
      portToOpen,
      currentPanel: () => tracker.currentWidget,
      portArg: args => portArg(args, 0),
      openCommand: CommandIDs.open
    })
  );
}
