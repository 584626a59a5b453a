import { API_PATHS, parsePlanePosition, planeUrl } from './viewer-api.js';

describe('api/plane URL by axis values', () => {
  it('round-trips layer, values (strings and numbers kept apart) and max', () => {
    const url = new URL(
      planeUrl('http://h/proxy/8555/', 'source step', { well: 'B02', channel: 2, site: '1' }, 299.6)
    );
    expect(url.pathname).toBe(`/proxy/8555/${API_PATHS.plane}`);
    expect(url.searchParams.get('layer')).toBe('source step');
    expect(url.searchParams.get('max')).toBe('300');
    expect(parsePlanePosition(url.searchParams.get('at'))).toEqual({
      well: 'B02',
      channel: 2,
      site: '1'
    });
  });

  it('an empty position is a layer without axes', () => {
    const url = new URL(planeUrl('http://h/', 'L', {}, 10));
    expect(parsePlanePosition(url.searchParams.get('at'))).toEqual({});
  });

  it('says what is wrong with a missing or malformed position', () => {
    expect(() => parsePlanePosition(null)).toThrow(/needs at=.*e\.g\. at=\{"well":"B02"/);
    expect(() => parsePlanePosition('{well:')).toThrow(/is not JSON/);
    expect(() => parsePlanePosition('[0,1]')).toThrow(/not an object of axis name/);
    expect(() => parsePlanePosition('{"plate":"P1"}')).toThrow(/not an object of axis name/);
    expect(() => parsePlanePosition('{"well":true}')).toThrow(/string or number/);
  });
});
