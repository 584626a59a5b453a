/**
 * `showInViewer(array)`: a manual `show()` from a notebook cell. Starts or reuses the viewer
 * server of the port, sends the array, and shows an output whose button opens the docked
 * viewer (the JupyterLab extension opens it by itself for a fresh output).
 */
import { DEFAULT_DATA_PORT } from '../../protocol/ports.js';
import type { BatchReply } from '../../protocol/index.js';
import type { NdArray } from '../model/image-data.js';
import { viewerManagerFor, type ShowOptions } from '../streaming/viewer-manager.js';
import { kernelDisplay, viewerBundle, type DisplayFn } from './progress.js';

export interface ShowInViewerOptions extends ShowOptions {
  port?: number;
  display?: DisplayFn | null;
}

export async function showInViewer(
  array: NdArray,
  options: ShowInViewerOptions = {}
): Promise<BatchReply> {
  const { port = DEFAULT_DATA_PORT, display, ...showOptions } = options;
  const manager = viewerManagerFor({ port });
  const pong = await manager.start();
  const reply = await manager.show(array, showOptions);
  const out = display === undefined ? kernelDisplay() : display;
  // The port actually used: another one when `port` is held by another user's server.
  const used = manager.dataPort;
  out?.(
    viewerBundle(
      used,
      pong.pid,
      1,
      `show(${showOptions.name ?? 'array'}) → viewer on port ${used}`
    ),
    {
      display_id: `pipeline-viewer-show-${port}`,
      update: false
    }
  );
  return reply;
}
