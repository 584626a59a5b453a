/** Turns the settings registry's composite JSON into typed ViewerSettings, with defaults. */
import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import { isDataPort } from '../protocol/ports.js';
import { DEFAULT_SETTINGS, PANEL_MODES, type PanelMode, type ViewerSettings } from './tokens.js';

export function readSettings(settings: ISettingRegistry.ISettings | null): ViewerSettings {
  if (!settings) return { ...DEFAULT_SETTINGS };
  const c = settings.composite as Record<string, unknown>;
  const port = Number(c.dataPort);
  const mode = String(c.mode) as PanelMode;
  return {
    dataPort: isDataPort(port) ? port : DEFAULT_SETTINGS.dataPort,
    mode: PANEL_MODES.includes(mode) ? mode : DEFAULT_SETTINGS.mode,
    followNewest:
      typeof c.followNewest === 'boolean' ? c.followNewest : DEFAULT_SETTINGS.followNewest,
    openOnRun: typeof c.openOnRun === 'boolean' ? c.openOnRun : DEFAULT_SETTINGS.openOnRun
  };
}
