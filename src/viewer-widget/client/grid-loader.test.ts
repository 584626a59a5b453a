/**
 * GridLoader against a fake server (this file's unit test): a 96-well × 3-channel plate's
 * grid costs one request per channel, not one per well and channel (issue 10: 288 requests
 * through the proxy's six connections took 6.35 s), and every tile gets its own well's
 * pixels. A layer without a well axis is fetched once through api/plane.
 */
import {
  encodeThumbnails,
  LayerInfoSchema,
  planeHeaders,
  ViewerStateSchema,
  type LayerInfo
} from '../../protocol/index.js';
import { GridModel } from '../model/grid.js';
import { ViewerModel } from '../model/viewer-model.js';
import { GridLoader } from './grid-loader.js';
import { PlaneLoader } from './plane-loader.js';

const WELLS = 'ABCDEFGH'
  .split('')
  .flatMap(r => Array.from({ length: 12 }, (_, c) => `${r}${String(c + 1).padStart(2, '0')}`));
const SIDE = 1024;

function layer(key: string, axes: LayerInfo['axes']): LayerInfo {
  return LayerInfoSchema.parse({
    key,
    dtype: 'uint16',
    shape: [SIDE, SIDE],
    axes,
    colormap: 'gray',
    range: [0, 4000],
    image_count: 1,
    newest: axes.map(() => 0),
    revision: 1
  });
}

/** The level a 1024² plane is served at for max=64, filled with a value naming the well. */
const TILE = 64;
const wellValue = (well: string, channel: number) => WELLS.indexOf(well) * 10 + channel;

/** `failing`: wells the fake server lists in `failed` (a damaged chunk), not in `planes`. */
function fakeServer(urls: string[], failing: Set<string>): typeof fetch {
  return (async (input: RequestInfo | URL) => {
    const url = new URL(String(input), 'http://x/');
    urls.push(url.pathname);
    const at = JSON.parse(url.searchParams.get('at')!) as Record<string, number | string>;
    const pixels = (value: number) =>
      new Uint8Array(new Uint16Array(TILE * TILE).fill(value).buffer);
    const info = {
      shape: [TILE, TILE] as [number, number],
      dtype: 'uint16' as const,
      level: 4,
      revision: 1
    };
    if (url.pathname.endsWith('api/thumbnails')) {
      const wells = JSON.parse(url.searchParams.get('wells')!) as string[];
      const body = encodeThumbnails(
        url.searchParams.get('layer')!,
        wells
          .filter(well => !failing.has(well))
          .map(well => ({
            info: { ...info, well },
            pixels: pixels(wellValue(well, Number(at.channel ?? 0)))
          })),
        [],
        wells.filter(well => failing.has(well)).map(well => ({ well, error: 'chunk damaged' }))
      );
      return new Response(body.slice().buffer);
    }
    return new Response(pixels(7).buffer as ArrayBuffer, { headers: planeHeaders(info) });
  }) as typeof fetch;
}

function setUp(layers: LayerInfo[], failing = new Set<string>()) {
  const model = new ViewerModel({ followNewest: false });
  model.applyState(ViewerStateSchema.parse({ pid: 1, started_at: 1, generation: 0, layers }));
  const urls: string[] = [];
  const fetch = fakeServer(urls, failing);
  const grid = new GridModel(model.dims, at => model.visiblePlanes(at));
  const loader = new GridLoader(model, new PlaneLoader(() => 'http://x/', fetch), grid, {
    baseUrl: 'http://x/',
    fetch
  });
  return { loader, urls };
}

async function settle(loader: GridLoader): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (WELLS.every(w => loader.tile(w, TILE))) return;
    await new Promise(r => setTimeout(r, 5));
  }
}

describe('GridLoader', () => {
  it("fetches a 96-well × 3-channel grid in one request per channel, each tile its well's pixels", async () => {
    const { loader, urls } = setUp([
      layer('raw', [
        { name: 'well', values: WELLS, labels: [] },
        { name: 'channel', values: [1, 2, 3], labels: [] }
      ])
    ]);
    loader.request(TILE);
    await settle(loader);
    expect(urls.length).toBe(3);
    expect(loader.failures).toBe(0);
    for (const well of ['A01', 'D07', 'H12']) {
      const tile = loader.tile(well, TILE)!;
      expect(tile.map(t => t.plane.data[0])).toEqual([1, 2, 3].map(c => wellValue(well, c)));
    }
    // all cached now: asking again fetches nothing
    loader.request(TILE);
    await settle(loader);
    expect(urls.length).toBe(3);
  });

  it('fetches a layer without a well axis once, through api/plane', async () => {
    const { loader, urls } = setUp([
      layer('raw', [{ name: 'well', values: WELLS, labels: [] }]),
      layer('background', [{ name: 'z_index', values: [1], labels: [] }])
    ]);
    loader.request(TILE);
    await settle(loader);
    expect(urls.filter(u => u.endsWith('api/thumbnails')).length).toBe(1);
    expect(urls.filter(u => u.endsWith('api/plane')).length).toBe(1);
    expect(
      loader
        .tile('B03', TILE)!
        .map(t => t.plane.data[0])
        .sort()
    ).toEqual([wellValue('B03', 0), 7].sort());
  });

  it('keeps why a well could not be read until its plane arrives', async () => {
    const failing = new Set(['B03']);
    const { loader } = setUp(
      [
        layer('raw', [
          { name: 'well', values: WELLS, labels: [] },
          { name: 'channel', values: [1, 2], labels: [] }
        ])
      ],
      failing
    );
    const loaded: string[] = [];
    loader.wellLoaded.connect((_, well) => void loaded.push(String(well)));
    loader.request(TILE);
    await settle(loader);
    expect(loader.tile('B03', TILE)).toBeNull();
    expect(loader.failure('B03')).toBe('raw: chunk damaged');
    expect(loaded).toContain('B03'); // its tile is redrawn, to show the failure
    expect(loader.failure('A01')).toBeUndefined();
    expect(loader.failures).toBe(0); // the requests themselves succeeded
    failing.clear(); // readable again (the chunk was rewritten)
    loader.request(TILE);
    await settle(loader);
    expect(loader.tile('B03', TILE)).not.toBeNull();
    expect(loader.failure('B03')).toBeUndefined();
  });
});
