/**
 * The extension's public names: the plugin id whose settings schema lives in
 * schema/plugin.json, the settings and open-command types, and the tracker token other
 * extensions may require (re-exported by index.ts, so `import { IPipelineViewerTracker }
 * from 'jupyterlab-pipeline-viewer'` works).
 */
import { Token } from '@lumino/coreutils';
import type { IWidgetTracker, MainAreaWidget } from '@jupyterlab/apputils';
import type { PipelineViewerWidget } from '../viewer-widget/index.js';

/** Id of the main plugin; its settings are schema/plugin.json. */
export const PLUGIN_ID = 'jupyterlab-pipeline-viewer:plugin';

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

/** Arguments of the open command; also what the restorer stores for each panel. */
export interface OpenArgs {
  port?: number;
  mode?: PanelMode;
  /** Give focus to the panel (default true); false keeps the notebook focused. */
  activate?: boolean;
}

/**
 * A docked viewer panel: a MainAreaWidget around the viewer widget of one viewer server.
 * There is at most one panel per data port; its widget id is `pipeline-viewer-<dataPort>`.
 */
export interface IViewerPanel extends MainAreaWidget<PipelineViewerWidget> {
  /**
   * Data port of the viewer server this panel shows (the port a pipeline streams to, and
   * the `port` argument of the `pipeline-viewer:*` commands). The panel itself talks to
   * the server's HTTP port, `dataPort + 3000`, through jupyter-server-proxy.
   */
  readonly dataPort: number;
}

/** Tracks the docked viewer panels; provided by `jupyterlab-pipeline-viewer:plugin`. */
export interface IPipelineViewerTracker extends IWidgetTracker<IViewerPanel> {
  /**
   * The panel of the viewer server on data port `port`, or null when none is open.
   *
   * ```ts
   * const panel = tracker.findByPort(5555);
   * panel?.content.stats; // connection, fps, drops of that panel
   * ```
   */
  findByPort(port: number): IViewerPanel | null;
}

/** The tracker of docked viewer panels (see IPipelineViewerTracker). */
export const IPipelineViewerTracker = new Token<IPipelineViewerTracker>(
  'jupyterlab-pipeline-viewer:IPipelineViewerTracker',
  'Tracks the docked pipeline viewer panels; finds the panel of a data port.'
);
