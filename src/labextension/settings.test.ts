import { jest } from '@jest/globals';
import { readSettings, SettingsHolder } from './settings.js';
import { DEFAULT_SETTINGS } from './tokens.js';
import type { ISettingRegistry } from '@jupyterlab/settingregistry';

const fake = (composite: Record<string, unknown>) =>
  ({ composite }) as unknown as ISettingRegistry.ISettings;

describe('readSettings', () => {
  it('uses the defaults without a registry', () => {
    expect(readSettings(null)).toEqual(DEFAULT_SETTINGS);
    expect(DEFAULT_SETTINGS).toEqual({
      dataPort: 5555,
      mode: 'split-right',
      followNewest: true,
      openOnRun: true
    });
  });

  it('reads the user values', () => {
    expect(
      readSettings(
        fake({ dataPort: 20301, mode: 'tab-after', followNewest: false, openOnRun: false })
      )
    ).toEqual({
      dataPort: 20301,
      mode: 'tab-after',
      followNewest: false,
      openOnRun: false
    });
  });

  it('falls back per field on values the schema would refuse', () => {
    const s = readSettings(
      fake({ dataPort: 64000, mode: 'floating', followNewest: 'yes', openOnRun: true })
    );
    expect(s).toEqual({ dataPort: 5555, mode: 'split-right', followNewest: true, openOnRun: true });
  });
});

describe('the settings schema', () => {
  it('declares the one data-port range the protocol checks', async () => {
    const { MIN_DATA_PORT, MAX_DATA_PORT } = await import('../protocol/ports.js');
    const { readFileSync } = await import('node:fs');
    const schema = JSON.parse(readFileSync('schema/plugin.json', 'utf8')) as {
      properties: { dataPort: { minimum: number; maximum: number } };
    };
    expect([schema.properties.dataPort.minimum, schema.properties.dataPort.maximum]).toEqual([
      MIN_DATA_PORT,
      MAX_DATA_PORT
    ]);
  });
});

describe('SettingsHolder', () => {
  const registry = (load: (id: string) => Promise<unknown>) =>
    ({ load }) as unknown as ISettingRegistry;

  it('keeps the defaults without a registry or when loading fails', async () => {
    const holder = new SettingsHolder();
    await holder.load(null);
    expect(holder.current).toEqual(DEFAULT_SETTINGS);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    await holder.load(registry(() => Promise.reject(new Error('no schema'))));
    expect(holder.current).toEqual(DEFAULT_SETTINGS);
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
  });

  it('loads the plugin settings once and follows their changes', async () => {
    let composite: Record<string, unknown> = { dataPort: 20301 };
    let onChanged = () => undefined as void;
    const load = jest.fn(async (id: string) => ({
      id,
      get composite() {
        return composite;
      },
      changed: { connect: (fn: () => void) => (onChanged = fn) }
    }));
    const holder = new SettingsHolder();
    await holder.load(registry(load));
    expect(load.mock.calls).toEqual([['jupyterlab-pipeline-viewer:plugin']]);
    expect(holder.current.dataPort).toBe(20301);
    composite = { dataPort: 20302, openOnRun: false };
    onChanged();
    expect(holder.current).toMatchObject({ dataPort: 20302, openOnRun: false });
  });
});
