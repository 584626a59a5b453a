/**
 * "Open in Pipeline Viewer" on a folder of the file browser: the Jupyter server extension
 * (`pipeline-viewer/open`) starts the viewer server if none runs and opens the plate through
 * the runtime's readers; then the panel of that port opens (or comes forward) and shows the
 * plate as a layer marked "from disk". A folder that is no plate gets the reader's sentence
 * as a notification, and no panel is opened for it.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification, showErrorMessage } from '@jupyterlab/apputils';
import type { IFileBrowserFactory } from '@jupyterlab/filebrowser';
import type { CommandRegistry } from '@lumino/commands';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { openPlateOnServer, type OpenedPlate } from './server-control.js';
import type { IViewerPanel } from './tokens.js';

export interface OpenFromDiskContext {
  app: JupyterFrontEnd;
  /** The file browsers, for the right-clicked folder; null without the file browser. */
  fileBrowser: IFileBrowserFactory | null;
  /** The port "Open Pipeline Viewer" would open (port-choice.ts); null: the user cancelled. */
  portToOpen: () => Promise<number | null>;
  /** The current viewer panel, whose port comes first. */
  currentPanel: () => IViewerPanel | null;
  /** The `port` argument checked, as the other commands do. */
  portArg: (args: ReadonlyPartialJSONObject) => number;
  /** Id of the command that opens or reveals the panel of a port. */
  openCommand: string;
}

/** The folder selected in the current file browser (the one right-clicked), if any. */
function selectedFolder(fileBrowser: IFileBrowserFactory | null): string | null {
  const item = fileBrowser?.tracker.currentWidget?.selectedItems().next();
  return item && !item.done && item.value.type === 'directory' ? item.value.path : null;
}

/** The reader's reason without the folder names the toast already shows. */
export function why(message: string): string {
  return message.replace(/^(?:(?:cannot open plate|plate folder) '[^']*': )+/i, '');
}

/**
 * The command's options; args: `path` (else the selected folder), `port` (else the current
 * panel's, else the port "Open Pipeline Viewer" chooses).
 */
export function openFromDiskCommand(ctx: OpenFromDiskContext): CommandRegistry.ICommandOptions {
  return {
    label: 'Open in Pipeline Viewer',
    caption:
      'Show this plate folder (OME-Zarr, or a plate the runtime reads) in the docked Pipeline Viewer, read lazily from disk',
    execute: async args => {
      const path = typeof args.path === 'string' ? args.path : selectedFolder(ctx.fileBrowser);
      if (path === null) {
        Notification.warning('Open in Pipeline Viewer: select a plate folder in the file browser');
        return null;
      }
      const port =
        args.port !== undefined
          ? ctx.portArg(args)
          : (ctx.currentPanel()?.dataPort ?? (await ctx.portToOpen()));
      if (port === null) return null;
      const name = path.split('/').pop() || path;
      const id = Notification.emit(
        `Opening ${name} in the Pipeline Viewer (port ${port})…`,
        'in-progress',
        { autoClose: false }
      );
      let opened: OpenedPlate;
      try {
        opened = await openPlateOnServer(path, port);
      } catch (err) {
        // A toast shows 140 characters: it names the folder once and says why; Details shows
        // the reader's whole sentence.
        const message = `Could not open ${name} in the Pipeline Viewer: ${(err as Error).message}`;
        Notification.update({
          id,
          message: `Could not open ${name} in the Pipeline Viewer: ${why((err as Error).message)}`,
          type: 'error',
          autoClose: false,
          actions: [
            {
              label: 'Details',
              callback: () => void showErrorMessage('Open in Pipeline Viewer', message)
            }
          ]
        });
        return null;
      }
      Notification.update({
        id,
        message: `${name} is shown in the Pipeline Viewer as layer ${opened.layer}`,
        type: 'success',
        autoClose: 4000
      });
      const panel = (await ctx.app.commands.execute(ctx.openCommand, { port })) as IViewerPanel;
      // A panel that waited for a server that was not running: ask now, not after its backoff.
      if (panel.content.connection.status !== 'connected') {
        panel.content.connection.disconnect();
        panel.content.connect();
      }
      return opened as unknown as ReadonlyPartialJSONObject;
    }
  };
}
