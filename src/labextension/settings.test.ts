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
