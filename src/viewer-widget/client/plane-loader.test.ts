/** PlaneLoader with an in-room fake fetch: dedup, cancellation, header validation. */
import { PlaneLoader, type PlaneRequest } from './plane-loader.js';

interface Call {
  url: string;
  signal: AbortSignal;
  respond(res: Response): void;
}

function fakeFetch(): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetch = ((url: string, init: RequestInit) =>
    new Promise<Response>((resolve, reject) => {
      const signal = init.signal!;
      signal.addEventListener('abort', () => reject(signal.reason));
      calls.push({ url, signal, respond: resolve });
    })) as unknown as typeof globalThis.fetch;
  return { fetch, calls };
}

function planeResponse(
  data: Uint16Array,
  shape: string,
  extra: Record<string, string> = {}
): Response {
  return new Response(new Uint8Array(data.buffer as ArrayBuffer), {
    headers: {
      'x-plane-shape': shape,
      'x-plane-dtype': 'uint16',
      'x-plane-level': '1',
      'x-plane-revision': '9',
      ...extra
    }
  });
}

const req = (well: string, max = 256): PlaneRequest => ({
  layer: 'L',
  axes: ['well'],
  values: [well],
  max
});

describe('PlaneLoader', () => {
  it('requests api/plane with layer, axis values and max, and parses the headers', async () => {
    const { fetch, calls } = fakeFetch();
    const loader = new PlaneLoader(() => 'http://h/proxy/8555/', fetch);
    const p = loader.load(req('A01', 300.4));
    const url = new URL(calls[0].url);
    expect(url.pathname).toBe('/proxy/8555/api/plane');
    expect(url.searchParams.get('layer')).toBe('L');
    expect(JSON.parse(url.searchParams.get('at')!)).toEqual({ well: 'A01' });
    expect(url.searchParams.get('max')).toBe('300');
    expect(url.searchParams.has('index')).toBe(false);
    calls[0].respond(planeResponse(Uint16Array.from([1, 2, 3, 4, 5, 6]), '2,3'));
    const plane = await p;
    expect(plane).toMatchObject({
      layer: 'L',
      values: ['A01'],
      level: 1,
      revision: 9,
      shape: [2, 3],
      dtype: 'uint16'
    });
    expect(Array.from(plane.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('shares one request between concurrent asks', async () => {
    const { fetch, calls } = fakeFetch();
    const loader = new PlaneLoader(() => 'b/', fetch);
    const a = loader.load(req('A01'));
    const b = loader.load(req('A01'));
    expect(calls.length).toBe(1);
    calls[0].respond(planeResponse(new Uint16Array(4), '2,2'));
    expect(await a).toBe(await b);
    expect(loader.inFlight).toBe(0);
  });

  it('aborts prefetches nobody wants any more, not counted as drops or aborts', async () => {
    const { fetch, calls } = fakeFetch();
    const loader = new PlaneLoader(() => 'b/', fetch);
    const a = loader.load(req('A01'), { prefetch: true });
    const b = loader.load(req('B02'), { prefetch: true });
    loader.keepOnly(new Set([PlaneLoader.key(req('B02'))]));
    await expect(a).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls[0].signal.aborted).toBe(true);
    expect(calls[1].signal.aborted).toBe(false);
    calls[1].respond(planeResponse(new Uint16Array(4), '2,2'));
    await expect(b).resolves.toMatchObject({ values: ['B02'] });
    expect([loader.drops, loader.aborted]).toEqual([0, 0]);
  });

  it('scrubbing: the request in flight completes, only the newest waits, then is sent', async () => {
    const { fetch, calls } = fakeFetch();
    const loader = new PlaneLoader(() => 'b/', fetch);
    const wells = ['A01', 'A02', 'A03', 'A04'];
    const asked = wells.map(w => {
      const p = loader.loadLatest(req(w));
      loader.keepOnly(new Set([PlaneLoader.key(req(w))])); // the position moved on
      return p;
    });
    expect(calls.length).toBe(1); // A01 in flight; A02 and A03 were replaced by A04
    await expect(asked[1]).rejects.toMatchObject({ name: 'AbortError' });
    await expect(asked[2]).rejects.toMatchObject({ name: 'AbortError' });
    expect(loader.isLoading(req('A04'))).toBe(true);
    expect(calls[0].signal.aborted).toBe(false);
    calls[0].respond(planeResponse(new Uint16Array(4), '2,2'));
    await expect(asked[0]).resolves.toMatchObject({ values: ['A01'] });
    await Promise.resolve();
    expect(calls.length).toBe(2);
    expect(new URL(calls[1].url, 'http://h/').searchParams.get('at')).toBe('{"well":"A04"}');
    calls[1].respond(planeResponse(new Uint16Array(4), '2,2'));
    await expect(asked[3]).resolves.toMatchObject({ values: ['A04'] });
    expect([loader.drops, loader.aborted, loader.inFlight]).toEqual([0, 0, 0]);
  });

  it('cancelAll aborts the lane and its waiting request; counted as aborted, not dropped', async () => {
    const { fetch, calls } = fakeFetch();
    const loader = new PlaneLoader(() => 'b/', fetch);
    const a = loader.loadLatest(req('A01'));
    const b = loader.loadLatest(req('A02'));
    loader.cancelAll();
    await expect(a).rejects.toMatchObject({ name: 'AbortError' });
    await expect(b).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls.length).toBe(1);
    expect([loader.drops, loader.aborted]).toEqual([0, 1]);
  });

  it('rejects a reply whose size does not match its shape, naming both', async () => {
    const { fetch, calls } = fakeFetch();
    const loader = new PlaneLoader(() => 'b/', fetch);
    const p = loader.load(req('A01'));
    calls[0].respond(planeResponse(new Uint16Array(5), '2,3'));
    await expect(p).rejects.toThrow(/10 bytes do not hold a 2×3 uint16 plane/);
  });

  it('rejects missing headers and HTTP errors with the server message', async () => {
    const { fetch, calls } = fakeFetch();
    const loader = new PlaneLoader(() => 'b/', fetch);
    const p = loader.load(req('A01'));
    calls[0].respond(new Response(new Uint8Array(8)));
    await expect(p).rejects.toThrow(/missing or bad headers x-plane-shape=null/);
    const q = loader.load(req('B02'));
    calls[1].respond(new Response('{"error":"no layer"}', { status: 404 }));
    await expect(q).rejects.toThrow(/HTTP 404 .*no layer/);
    expect(loader.drops).toBe(2);
  });

  it('keys requests by axis values, and rejects values that do not match the axes', async () => {
    const { fetch, calls } = fakeFetch();
    const loader = new PlaneLoader(() => 'b/', fetch);
    expect(PlaneLoader.key(req('B02'))).not.toBe(PlaneLoader.key(req('A01')));
    const p = loader.load(req('B02'));
    await expect(
      loader.load({ layer: 'L', axes: ['well', 'channel'], values: ['C03'], max: 256 })
    ).rejects.toThrow(/1 values for 2 axes \(well, channel\)/);
    expect(calls.length).toBe(1);
    calls[0].respond(planeResponse(Uint16Array.from([1, 2, 3, 4, 5, 6]), '2,3'));
    expect((await p).values).toEqual(['B02']);
  });
});
