/**
 * `openInViewer(path)`: a plate on disk (OME-Zarr HCS, this project's outputs, every input
 * format the runtime reads) in the viewer, from a notebook cell. Starts or reuses the viewer
 * server of the port, which reads the plate plane by plane from its files (nothing is
 * copied), and shows an output whose button opens the docked viewer, as showInViewer does.
 */
import * as path from 'node:path';
import { DEFAULT_DATA_PORT } from '../../protocol/ports.js';
import { viewerManagerFor } from '../streaming/viewer-manager.js';
import { kernelDisplay, viewerBundle, type DisplayFn } from './progress.js';

export interface OpenInViewerOptions {
  /** The viewer server's data port (default 5555). */
  port?: number;
  /** Where the output goes (default: the kernel's display); null: none. */
  display?: DisplayFn | null;
}

/** Shows the plate folder `plate` as a layer from disk; resolves to its layer key and port. */
export async function openInViewer(
  plate: string,
  options: OpenInViewerOptions = {}
): Promise<{ layer: string; port: number }> {
  const { port = DEFAULT_DATA_PORT, display } = options;
  const manager = viewerManagerFor({ port });
  const pong = await manager.start();
  const layer = await manager.openPlate(path.resolve(plate));
  const used = manager.dataPort;
  const out = display === undefined ? kernelDisplay() : display;
  out?.(viewerBundle(used, pong.pid, 1, `${layer} (from disk) → viewer on port ${used}`), {
    display_id: `pipeline-viewer-open-${port}`,
    update: false
  });
  return { layer, port: used };
}
