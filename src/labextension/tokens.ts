/**
 * Names shared by the extension's plugins: command ids, the plugin id whose settings
 * schema lives in schema/plugin.json, and the tracker token other extensions may require.
 */
import { Token } from '@lumino/coreutils';
import type { IWidgetTracker, MainAreaWidget } from '@jupyterlab/apputils';
import type { PipelineViewerWidget } from '../viewer-widget/index.js';

export const PLUGIN_ID = 'jupyterlab-pipeline-viewer:plugin';

export const CommandIDs = {
  open: 'pipeline-viewer:open',
  clear: 'pipeline-viewer:clear',
  startServer: 'pipeline-viewer:start-server',
  stopServer: 'pipeline-viewer:stop-server'
} as const;

/** Where a new panel docks in the main area (JupyterLab's DocumentRegistry.Mode names). */
export const PANEL_MODES = [
  'split-right',
  'split-left',
  'split-top',
  'split-bottom',
  'tab-after',
  'tab-before'
] as const;
export type PanelMode = (typeof PANEL_MODES)[number];

/** The user's settings (schema/plugin.json). */
export interface ViewerSettings {
  /** Data port of the viewer server; the panel talks to its HTTP port (+3000). */
  dataPort: number;
  /** Where the panel docks when opened. */
  mode: PanelMode;
  followNewest: boolean;
  /** Open the panel when a notebook run shows fresh progress for a viewer. */
  openOnRun: boolean;
}

export const DEFAULT_SETTINGS: ViewerSettings = {
  dataPort: 5555,
  mode: 'split-right',
  followNewest: true,
  openOnRun: true
};

export type ViewerPanel = MainAreaWidget<PipelineViewerWidget>;

/** Arguments of the open command; also what the restorer stores for each panel. */
export interface OpenArgs {
  port?: number;
  mode?: PanelMode;
  /** Give focus to the panel (default true); false keeps the notebook focused. */
  activate?: boolean;
}

export const IPipelineViewerTracker = new Token<IWidgetTracker<ViewerPanel>>(
  'jupyterlab-pipeline-viewer:IPipelineViewerTracker',
  'Tracks the docked pipeline viewer panels.'
);
