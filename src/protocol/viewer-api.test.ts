import {
  API_PATHS,
  parsePlanePosition,
  parsePlaneShape,
  planeHeaders,
  planeUrl,
  readPlaneHeaders
} from './viewer-api.js';

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

describe('api/plane reply headers', () => {
  it('round-trips what planeHeaders writes through readPlaneHeaders', () => {
    const plane = {
      shape: [2, 3] as [number, number],
      dtype: 'uint16' as const,
      level: 1,
      revision: 9
    };
    expect(readPlaneHeaders(new Headers(planeHeaders(plane)))).toEqual(plane);
    expect(planeHeaders(plane)).toEqual({
      'x-plane-shape': '2,3',
      'x-plane-dtype': 'uint16',
      'x-plane-level': '1',
      'x-plane-revision': '9'
    });
  });

  it('names missing or bad shape and dtype headers; level and revision default to 0', () => {
    expect(() => readPlaneHeaders(new Headers())).toThrow(
      /missing or bad headers x-plane-shape=null x-plane-dtype=null/
    );
    expect(() =>
      readPlaneHeaders(new Headers({ 'x-plane-shape': '2,3', 'x-plane-dtype': 'int16' }))
    ).toThrow(/x-plane-dtype=int16/);
    expect(
      readPlaneHeaders(new Headers({ 'x-plane-shape': '2,3', 'x-plane-dtype': 'uint8' }))
    ).toEqual({ shape: [2, 3], dtype: 'uint8', level: 0, revision: 0 });
  });

  it('parses shapes in the forms a server may write', () => {
    expect(parsePlaneShape('2,3')).toEqual([2, 3]);
    expect(parsePlaneShape('[2, 3]')).toEqual([2, 3]);
    expect(parsePlaneShape('1,2,3')).toEqual([2, 3]);
    expect(parsePlaneShape('2x3')).toEqual([2, 3]);
    expect(parsePlaneShape('2')).toBeNull();
    expect(parsePlaneShape('0,3')).toBeNull();
    expect(parsePlaneShape(null)).toBeNull();
  });
});
