import { channelColormap, channelName } from './channel-colors.js';

describe('channel names and colors', () => {
  it('takes the name from the server label, else the label itself', () => {
    expect(channelName('Ch1: DAPI', 1)).toBe('DAPI');
    expect(channelName('Ch2: Alexa 488', 2)).toBe('Alexa 488');
    expect(channelName('Ch 3', 3)).toBe('Ch 3');
    expect(channelName(undefined, 4)).toBe('Ch 4');
  });

  it('colors common fluorophores as microscopists expect', () => {
    const of = (name: string) => channelColormap(name, 0, 3);
    expect(['DAPI', 'Hoechst 33342'].map(of)).toEqual(['blue', 'blue']);
    expect(['GFP', 'FITC', 'Alexa Fluor 488', 'eGFP'].map(of)).toEqual(Array(4).fill('green'));
    expect(['RFP', 'mCherry', 'TRITC', 'Cy3', 'Alexa 568'].map(of)).toEqual(
      Array(5).fill('magenta')
    );
    expect(['Cy5', 'Alexa 647', 'Far Red'].map(of)).toEqual(['red', 'red', 'red']);
    expect(['YFP', 'CFP', 'Brightfield'].map(of)).toEqual(['yellow', 'cyan', 'gray']);
  });

  it('reads a wavelength in the name', () => {
    const of = (name: string) => channelColormap(name, 0, 3);
    expect(['405 nm', 'ex488', 'w561', 'Laser 640'].map(of)).toEqual([
      'blue',
      'green',
      'magenta',
      'red'
    ]);
  });

  it("falls back to napari's defaults: magenta/green for two, CMYBGR for more", () => {
    expect([0, 1].map(i => channelColormap(`Ch ${i}`, i, 2))).toEqual(['magenta', 'green']);
    expect([0, 1, 2, 6].map(i => channelColormap(`Ch ${i}`, i, 7))).toEqual([
      'cyan',
      'magenta',
      'yellow',
      'cyan'
    ]);
  });
});
