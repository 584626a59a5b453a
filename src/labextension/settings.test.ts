import { readSettings } from './settings.js';
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
