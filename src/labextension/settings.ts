/**
 * The user's settings of PLUGIN_ID: readSettings turns the registry's composite JSON into
 * typed ViewerSettings with defaults; SettingsHolder loads them once and follows changes.
 */
import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import { isDataPort } from '../protocol/ports.js';
import {
  DEFAULT_SETTINGS,
  PANEL_MODES,
  PLUGIN_ID,
  type PanelMode,
  type ViewerSettings
} from './tokens.js';

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

/**
 * The current settings, shared by the plugins: the main plugin loads them once (load), the
 * others read `current` when they need a value, so a change in Settings applies at once.
 */
export class SettingsHolder {
  /** The defaults until load() has read the registry, and whenever it cannot. */
  current: ViewerSettings = { ...DEFAULT_SETTINGS };

  async load(registry: ISettingRegistry | null): Promise<void> {
    if (!registry) return;
    try {
      const s = await registry.load(PLUGIN_ID);
      this.current = readSettings(s);
      s.changed.connect(() => (this.current = readSettings(s)));
    } catch (e) {
      console.warn(
        `pipeline viewer: settings of ${PLUGIN_ID} could not be loaded, using defaults`,
        e
      );
    }
  }
}
