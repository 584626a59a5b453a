/**
 * `GET api/thumbnails` on the real server process: every well's plane of a layer in one
 * reply, each the same pixels `api/plane` serves at the same max; wells without a plane
 * listed as missing; refused without the browser token; caps on wells and bytes enforced
 * before any work. Port 23000 (+1000, +3000).
 */
import {
  decodeThumbnails,
  httpPort,
  MAX_THUMBNAIL_BYTES,
  MAX_THUMBNAILS_PER_REQUEST,
  thumbnailsUrl,
  type PlanePosition
} from '../../src/protocol/index.js';
import { tokenHeaders } from './browser-token.js';
import {
  getPlane,
  planeQuery,
  sendBatch,
  startServer,
  type RunningServer
} from './server-process.js';

const PORT = 23000;
const H = 200;
const W = 300;
const WELLS = ['A01', 'A02', 'B01'];

let server: RunningServer;

function wellPixels(well: number, channel: number): Uint16Array {
  return Uint16Array.from(
    { length: H * W },
    (_, i) => (i * 7 + well * 1000 + channel * 97) % 65536
  );
}

async function thumbnails(query: string, token = true) {
  const res = await fetch(`http://127.0.0.1:${httpPort(PORT)}/api/thumbnails?${query}`, {
    headers: token ? tokenHeaders(PORT) : {},
    signal: AbortSignal.timeout(10_000)
  });
  return { status: res.status, body: await res.arrayBuffer() };
}

function query(layer: string, at: PlanePosition, max: number, wells?: (string | number)[]) {
  return new URL(thumbnailsUrl('http://x/', layer, at, max, wells)).search.slice(1);
}

beforeAll(async () => {
  server = await startServer(PORT);
  // channel 1 in every well, channel 2 in A01 only: B01 and A02 have an empty slot there
  const images = [
    ...WELLS.map((well, i) => ({ well, i, channel: 1 })),
    { well: 'A01', i: 0, channel: 2 }
  ];
  const reply = await sendBatch(
    PORT,
    {
      type: 'batch',
      images: images.map(({ well, channel }, k) => ({
        path: `/p/${well}_w${channel}.tif`,
        shape: [H, W],
        dtype: 'uint16',
        image_id: `${well}-${channel}`,
        frame: k + 1,
        metadata: { source: 'Raw', well, site: 1, channel, z_index: 1 }
      }))
    },
    images.map(({ i, channel }) => new Uint8Array(wellPixels(i, channel).buffer)),
    'dealer'
  );
  expect(reply).toMatchObject({ status: 'success', accepted: 4 });
});
afterAll(async () => {
  await server?.stop();
});

describe('api/thumbnails', () => {
  it("serves every well's plane at the level api/plane serves for the same max", async () => {
    const at = { site: 1, channel: 1, z_index: 1 };
    const reply = await thumbnails(query('source_Raw', at, 64));
    expect(reply.status).toBe(200);
    const { header, pixels } = decodeThumbnails(reply.body);
    expect(header.missing).toEqual([]);
    expect(header.planes.map(p => p.well)).toEqual(WELLS);
    for (const [i, p] of header.planes.entries()) {
      const single = await getPlane(PORT, planeQuery('source_Raw', { ...at, well: p.well }, 64));
      expect(single.status).toBe(200);
      expect(p.shape.join(',')).toBe(single.headers.get('x-plane-shape'));
      expect(p.level).toBe(2); // 300 → 150 → 75: the smallest side ≥ 64
      expect(Buffer.from(pixels[i].buffer, pixels[i].byteOffset, pixels[i].byteLength)).toEqual(
        Buffer.from(single.body)
      );
    }
    // the wells differ: each tile is its own well's plane
    expect(pixels[0][0]).not.toBe(pixels[1][0]);
  });

  it('lists wells without a plane as missing and serves only the wells asked', async () => {
    const at = { site: 1, channel: 2, z_index: 1 };
    const all = decodeThumbnails((await thumbnails(query('source_Raw', at, 32))).body).header;
    expect(all.planes.map(p => p.well)).toEqual(['A01']);
    expect(all.missing).toEqual(['A02', 'B01']);
    const some = await thumbnails(query('source_Raw', { ...at, channel: 1 }, 32, ['B01', 'H12']));
    const { header } = decodeThumbnails(some.body);
    expect(header.planes.map(p => p.well)).toEqual(['B01']);
    expect(header.missing).toEqual(['H12']);
  });

  it('refuses a request without the browser token, and shows no pixels', async () => {
    const reply = await thumbnails(
      query('source_Raw', { site: 1, channel: 1, z_index: 1 }, 64),
      false
    );
    expect(reply.status).toBe(401);
    expect(Buffer.from(reply.body).toString()).not.toContain('source_Raw');
  });

  it('enforces the caps on wells and bytes before any work, saying how to ask less', async () => {
    const at = { site: 1, channel: 1, z_index: 1 };
    const many = Array.from({ length: MAX_THUMBNAILS_PER_REQUEST + 1 }, (_, i) => i);
    const tooMany = await thumbnails(query('source_Raw', at, 8, many));
    expect(tooMany.status).toBe(413);
    expect(Buffer.from(tooMany.body).toString()).toContain('split them with wells=');
    // full size: 300 × 200 × 2 bytes per well asked
    const perWell = H * W * 2;
    const wells = Array.from(
      { length: Math.floor(MAX_THUMBNAIL_BYTES / perWell) + 1 },
      () => 'A01'
    );
    const tooBig = await thumbnails(query('source_Raw', at, 4096, wells));
    expect(tooBig.status).toBe(413);
    expect(Buffer.from(tooBig.body).toString()).toContain('or a smaller max');
    const fits = await thumbnails(query('source_Raw', at, 4096, wells.slice(1)));
    expect(fits.status).toBe(200);
  });

  it('answers bad asks with 400 and 404 naming the fix', async () => {
    const withWell = await thumbnails(query('source_Raw', { well: 'A01' }, 8));
    expect(withWell.status).toBe(400);
    expect(Buffer.from(withWell.body).toString()).toContain('at names a well');
    const badWells = await thumbnails(`${query('source_Raw', {}, 8)}&wells=A01`);
    expect(badWells.status).toBe(400);
    expect(Buffer.from(badWells.body).toString()).toContain('not a JSON array');
    expect((await thumbnails(query('nope', {}, 8))).status).toBe(404);
  });
});
