import { parseGeneratePlateArgs } from './generate-plate-cli.js';

describe('generate-plate CLI arguments', () => {
  it('maps flags to plate options, counts or lists', () => {
    expect(
      parseGeneratePlateArgs([
        '/tmp/p',
        '--wells',
        'A01,B02',
        '--channels',
        'DAPI, GFP',
        '--sites',
        '3',
        '--z',
        '5',
        '--size',
        '256',
        '--dtype',
        'uint8',
        '--seed',
        '9'
      ])
    ).toEqual({
      dir: '/tmp/p',
      options: {
        wells: ['A01', 'B02'],
        channels: ['DAPI', 'GFP'],
        sites: 3,
        zPlanes: 5,
        timepoints: undefined,
        width: 256,
        dtype: 'uint8',
        seed: 9
      }
    });
    const counts = parseGeneratePlateArgs(['out', '--wells', '12', '--channels', '2']);
    expect(counts).toMatchObject({ dir: 'out', options: { wells: 12, channels: 2 } });
    expect(parseGeneratePlateArgs(['--help'])).toBe('help');
  });

  it('explains bad command lines with the usage', () => {
    expect(() => parseGeneratePlateArgs([])).toThrow(/expected one output folder, got 0\nusage:/);
    expect(() => parseGeneratePlateArgs(['a', 'b'])).toThrow(/got 2/);
    expect(() => parseGeneratePlateArgs(['a', '--sites', 'two'])).toThrow(
      /--sites must be a whole number, got 'two'/
    );
    expect(() => parseGeneratePlateArgs(['a', '--colour', 'red'])).toThrow(/colour/);
  });
});
