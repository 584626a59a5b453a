/**
 * Labels layers and ROI overlays on the real server process (port 24200, +1000, +3000),
 * with a memory budget small enough that planes spill to disk: label ids come back exact
 * at full size and at every lower level (each id of a level is an id of its 2×2 bin in the
 * level above, never a mean), also ids above 2^24 that float32 would round; an OpenHCS
 * 0.8.6 ROI item, built as its client sends it (openhcs-0.8.6-client.md), is stored as an
 * overlay of its producer's layer at its well and served by `api/rois`.
 */
import {
  httpPort,
  readPlaneHeaders,
  RoiOverlaysSchema,
  ViewerStateSchema
} from '../../src/protocol/index.js';
import { tokenHeaders } from './browser-token.js';
import {
  getPlane,
  planeQuery,
  sendBatch,
  startServer,
  type RunningServer
} from './server-process.js';

const PORT = 24200;
const H = 301;
const W = 517;
const PLANES = 6; // 6 × 622 KB of uint32 over a 2 MB budget: most are spilled

let server: RunningServer;

/** Blobs of ids: objects of 13×9 pixels, background 0 in between, ids from `base`. */
function labels(base: number): Uint32Array {
  return Uint32Array.from({ length: H * W }, (_, i) => {
    const y = Math.floor(i / W);
    const x = i % W;
    if (y % 16 > 12 || x % 11 > 8) return 0;
    return base + Math.floor(y / 16) * 100 + Math.floor(x / 11);
  });
}
const BASES = Array.from({ length: PLANES }, (_, k) => (k % 2 === 0 ? 1 + k : 2 ** 31 + 12345 + k));

async function http(path: string): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${httpPort(PORT)}/${path}`, {
    headers: tokenHeaders(PORT),
    signal: AbortSignal.timeout(10_000)
  });
  expect(res.status).toBe(200);
  return res.json();
}

async function labelsPlane(z: number, max: number) {
  const { status, headers, body } = await getPlane(
    PORT,
    planeQuery('source_Segment', { well: 'A01', z_index: z }, max)
  );
  expect(status).toBe(200);
  const header = readPlaneHeaders(headers);
  const copy = body.slice().buffer;
  return { header, ids: new Uint32Array(copy) };
}

beforeAll(async () => {
  server = await startServer(PORT, ['--memory-budget', '2M']);
  // one plane a message, as a pipeline's step × well batches are small
  for (let k = 0; k < PLANES; k++) {
    const reply = await sendBatch(
      PORT,
      {
        type: 'batch',
        images: [
          {
            path: `/out/A01_z${k + 1}_labels.tif`,
            shape: [H, W],
            dtype: 'uint32',
            data_type: 'labels',
            image_id: `labels-${k}`,
            frame: 1,
            metadata: { source: 'Segment', well: 'A01', z_index: k + 1 }
          }
        ]
      },
      [new Uint8Array(labels(BASES[k]).buffer)],
      'dealer'
    );
    expect(reply).toMatchObject({ status: 'success', accepted: 1 });
  }
});
afterAll(async () => {
  await server?.stop();
});

describe('a labels layer', () => {
  it('is announced as labels with uint32 pixels (float32 would round ids above 2^24)', async () => {
    const state = ViewerStateSchema.parse(await http('api/state'));
    const layer = state.layers.find(l => l.key === 'source_Segment');
    expect(layer).toMatchObject({ kind: 'labels', dtype: 'uint32', shape: [H, W] });
  });

  it('serves every id exactly at full size, also after its plane was spilled', async () => {
    for (let k = 0; k < PLANES; k++) {
      const { header, ids } = await labelsPlane(k + 1, 4096);
      expect(header).toMatchObject({ dtype: 'uint32', level: 0, shape: [H, W] });
      expect(ids).toEqual(labels(BASES[k]));
    }
  });

  it('never averages: each id of a lower level is an id of its 2×2 bin in the level above', async () => {
    for (const k of [0, 1]) {
      let above = labels(BASES[k]);
      let [ah, aw] = [H, W];
      for (let level = 1; level <= 5; level++) {
        const max = Math.ceil(W / 2 ** level);
        const { header, ids } = await labelsPlane(k + 1, max);
        expect(header.level).toBe(level);
        const [lh, lw] = header.shape;
        expect([lh, lw]).toEqual([Math.ceil(ah / 2), Math.ceil(aw / 2)]);
        let bad = 0;
        for (let y = 0; y < lh; y++)
          for (let x = 0; x < lw; x++) {
            const bin = [
              above[2 * y * aw + 2 * x],
              above[2 * y * aw + Math.min(2 * x + 1, aw - 1)],
              above[Math.min(2 * y + 1, ah - 1) * aw + 2 * x],
              above[Math.min(2 * y + 1, ah - 1) * aw + Math.min(2 * x + 1, aw - 1)]
            ];
            if (!bin.includes(ids[y * lw + x])) bad++;
          }
        expect(bad).toBe(0);
        [above, ah, aw] = [ids, lh, lw];
      }
    }
  });
});

describe('OpenHCS ROI items', () => {
  it('are stored as overlays of their layer at their well and served by api/rois', async () => {
    const polygon = [
      [10, 20],
      [10, 60],
      [40, 60]
    ];
    const ellipse = [
      [100, 100],
      [100, 140],
      [120, 140],
      [120, 100]
    ];
    const identity = {
      origin: 'pipeline',
      output_kind: 'main',
      output_key: 'main',
      step_name: 'Segment',
      pipeline_position: 0
    };
    const reply = await sendBatch(PORT, {
      type: 'batch',
      display_config: {
        component_modes: { well: 'stack', site: 'stack', channel: 'stack', z_index: 'stack' },
        colormap: 'gray',
        variable_size_handling: 'pad_to_max'
      },
      images: [
        {
          path: '/plate/A02_s1_w1_z001_rois.roi.zip',
          data_type: 'shapes',
          shapes: [
            {
              type: 'polygon',
              coordinates: polygon,
              metadata: { label: 7, area: 600, centroid: [20, 45] }
            },
            {
              type: 'ellipse',
              coordinates: ellipse,
              metadata: { label: 8, area: 400, centroid: [110, 120] }
            }
          ],
          metadata: { well: 'A02', site: '1', channel: '1', z_index: '1' },
          image_id: 'roi-1',
          producer_identity: identity
        },
        {
          path: '/plate/A02_s1_w1_z001_points.roi.zip',
          data_type: 'points',
          shapes: [{ type: 'points', coordinates: [[5, 6]], metadata: { label: 9 } }],
          metadata: { well: 'A02', site: '1', channel: '1', z_index: '1' },
          image_id: 'roi-2',
          producer_identity: identity
        }
      ]
    } as never);
    expect(reply).toEqual({ status: 'success', type: 'batch', accepted: 2, rejected: 0 });
    const overlays = RoiOverlaysSchema.parse(await http('api/rois'));
    const at = { well: 'A02', site: 1, channel: 1, z_index: 1 };
    expect(overlays.sets).toEqual([
      {
        layer: '1. Segment',
        kind: 'shapes',
        path: '/plate/A02_s1_w1_z001_rois.roi.zip',
        at,
        shapes: [
          { type: 'polygon', coordinates: polygon, label: '7' },
          { type: 'ellipse', coordinates: ellipse, label: '8' }
        ]
      },
      {
        layer: '1. Segment',
        kind: 'points',
        path: '/plate/A02_s1_w1_z001_points.roi.zip',
        at,
        shapes: [{ type: 'points', coordinates: [[5, 6]], label: '9' }]
      }
    ]);
    const state = ViewerStateSchema.parse(await http('api/state'));
    expect(state.rois_revision).toBe(overlays.revision);
  });
});
