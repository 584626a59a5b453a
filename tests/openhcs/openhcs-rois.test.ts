/**
 * OpenHCS 0.8.6's own client streams a step's ROIs beside its image (issue 12): polygons,
 * an ellipse and points, as polystore's NapariROIConverter sends them. The server stores
 * them as overlays of the step's layer ("1. Segment") at the image's well and position, and
 * `api/rois` serves them in image pixels [y, x] with their labels; nothing is rejected.
 * Real packages from PyPI (scripts/requirements-openhcs.txt), the compiled server, real
 * ZeroMQ. Ports 24240 (+1000, +3000), acks on 24241.
 */
import { httpPort, RoiOverlaysSchema, type RoiOverlays } from '../../src/protocol/index.js';
import { tokenHeaders } from '../viewer-server/browser-token.js';
import { fixtureOutput, runFixture, startServer, type OpenHcsServer } from './openhcs-server.js';

const PORT = 24240;
const ACK_PORT = 24241;
let server: OpenHcsServer;

beforeAll(async () => {
  server = await startServer(PORT, ACK_PORT);
});
afterAll(async () => {
  await server?.stop();
});

async function rois(): Promise<RoiOverlays> {
  const res = await fetch(`http://127.0.0.1:${httpPort(PORT)}/api/rois`, {
    headers: tokenHeaders(PORT),
    signal: AbortSignal.timeout(10_000)
  });
  expect(res.status).toBe(200);
  return RoiOverlaysSchema.parse(await res.json());
}

it("stores OpenHCS's ROI shapes and points as overlays of the step's layer at their well", async () => {
  const run = runFixture('openhcs_rois.py', [PORT, ACK_PORT], server.home);
  const out = fixtureOutput<{ batches: number; log: string[] }>(run);
  // A rejected batch raises in OpenHCS ("Napari rejected stream batch") and is logged.
  expect(out).toEqual({ batches: 1, log: [] });
  expect(run.stderr).not.toMatch(/resource_tracker|leaked|Warning|Error/i);
  const { sets } = await rois();
  const at = { well: 'A01', site: 1, channel: 1, z_index: 1, timepoint: 1 };
  expect(sets.map(s => ({ layer: s.layer, kind: s.kind, at: s.at }))).toEqual([
    { layer: '1. Segment', kind: 'shapes', at },
    { layer: '1. Segment', kind: 'points', at }
  ]);
  expect(sets[0].shapes).toEqual([
    {
      type: 'polygon',
      coordinates: [
        [5, 5],
        [5, 25],
        [20, 25],
        [20, 5]
      ],
      label: '3'
    },
    {
      // napari's ellipse: the four corners of its bounding box, [y, x]
      type: 'ellipse',
      coordinates: [
        [25, 30],
        [25, 50],
        [35, 50],
        [35, 30]
      ],
      label: '4'
    }
  ]);
  expect(sets[1].shapes).toEqual([
    { type: 'points', coordinates: [[10, 50]], label: '5' },
    { type: 'points', coordinates: [[35, 8]], label: '6' }
  ]);
}, 120_000);
