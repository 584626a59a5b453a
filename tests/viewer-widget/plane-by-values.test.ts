/**
 * The race of addressing planes by axis index: the browser asks for a plane with the view it
 * has, while the server inserts a new axis value (well A01 sorts before B02). The request must
 * still name B02's plane, never A01's. Real server process, real ZeroMQ, real HTTP.
 * Ports: data port 20500 (with 21500 and 23500).
 */
import * as fs from 'node:fs';
import WebSocket from 'ws';
import { httpPort } from '../../src/protocol/ports.js';
import { planeUrl } from '../../src/protocol/viewer-api.js';
import { ServerConnection } from '../../src/viewer-widget/client/server-connection.js';
import { PlaneLoader } from '../../src/viewer-widget/client/plane-loader.js';
import { ViewerSession } from '../../src/viewer-widget/client/viewer-session.js';
import { ViewerModel } from '../../src/viewer-widget/model/viewer-model.js';
import type { WebSocketCtor } from '../../src/viewer-widget/tokens.js';
import { browserToken, tokenHeaders } from '../viewer-server/browser-token.js';
import {
  sendBatch,
  startViewerServer,
  tempHome,
  waitFor,
  type ViewerServerProcess
} from './server-harness.js';

const PORT = 20500;
const H = 48;
const W = 64;
const LAYER = 'source_Enhance';
const home = tempHome();

function image(seed: number): Uint16Array {
  const data = new Uint16Array(H * W);
  for (let i = 0; i < data.length; i++) data[i] = (i + 1000 * seed) % 65536;
  return data;
}

async function sendWell(well: string, data: Uint16Array): Promise<void> {
  const reply = await sendBatch(
    PORT,
    {
      type: 'batch',
      images: [
        {
          path: `/plate/${well}_s1_w1.tif`,
          shape: [H, W],
          dtype: 'uint16',
          image_id: `${well}-1`,
          frame: 1,
          metadata: { source: 'Enhance', well, site: 1, channel: 1, z_index: 1 }
        }
      ],
      display_config: { component_modes: {}, colormap: 'gray' }
    },
    [new Uint8Array(data.buffer, data.byteOffset, data.byteLength)]
  );
  expect(reply).toMatchObject({ status: 'success', accepted: 1 });
}

let server: ViewerServerProcess | undefined;
let connection: ServerConnection;
let model: ViewerModel;
const base = `http://127.0.0.1:${httpPort(PORT)}/`;

beforeAll(async () => {
  server = await startViewerServer(PORT, home);
  connection = new ServerConnection({
    baseUrl: base,
    token: browserToken(PORT),
    WebSocket: WebSocket as unknown as WebSocketCtor,
    reconnectMinMs: 100,
    reconnectMaxMs: 400
  });
  model = new ViewerModel({ followNewest: true });
  connection.stateReceived.connect((_, n) => model.applyState(n.state));
  connection.eventReceived.connect((_, e) => model.applyEvent(e));
  connection.connect();
  await waitFor('connected', () => connection.status === 'connected');
});

afterAll(async () => {
  connection?.dispose();
  await server?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('a plane request made before a new well sorts in', () => {
  it('still returns the well it was made for (B02), never the well now at its index (A01)', async () => {
    const b02 = image(2);
    const a01 = image(1);
    await sendWell('B02', b02);
    await waitFor('B02 shown', () => model.visiblePlanes()[0]?.values.includes('B02'));
    const old = model.visiblePlanes()[0];
    const request = {
      layer: LAYER,
      axes: old.layer.info.axes.map(a => a.name),
      values: old.values,
      max: 4096
    };

    await sendWell('A01', a01);
    await waitFor('A01 on the well axis', () => model.dims.axis('well')?.values.includes('A01'));
    expect(model.dims.axis('well')!.values).toEqual(['A01', 'B02']);

    const loader = new PlaneLoader(() => base, connection.fetch);
    const plane = await loader.load(request);
    expect(plane.values).toContain('B02');
    expect(Buffer.from(plane.data.buffer).equals(Buffer.from(a01.buffer))).toBe(false);
    expect(Buffer.from(plane.data.buffer).equals(Buffer.from(b02.buffer))).toBe(true);
  });

  it('a session that stayed on B02 shows B02 pixels at full size after A01 sorted in', async () => {
    const session = new ViewerSession(model, connection);
    try {
      session.setViewport(W, null);
      // the user goes back to B02 (stops following the newest plane, A01)
      model.dims.setIndex('well', model.dims.axis('well')!.values.indexOf('B02'));
      session.update();
      const shown = await waitFor('B02 shown at full size', () => {
        const p = session.shown.get(LAYER);
        return p && p.level === 0 && p.values.includes('B02') ? p : undefined;
      });
      expect(Buffer.from(shown.data.buffer).equals(Buffer.from(image(2).buffer))).toBe(true);
    } finally {
      session.dispose();
    }
  });

  it('answers a clean 404 for a value not on its axis and 400 for an unknown axis or the old index form', async () => {
    const get = async (url: string) => {
      const res = await fetch(url, {
        headers: tokenHeaders(PORT),
        signal: AbortSignal.timeout(5000)
      });
      return { status: res.status, text: await res.text() };
    };
    const absent = await get(planeUrl(base, LAYER, { well: 'Z99', channel: 1 }, 64));
    expect(absent.status).toBe(404);
    expect(absent.text).toMatch(/no plane at \{\\"well\\":\\"Z99\\"/);
    const never = await get(planeUrl(base, LAYER, { well: 'B02', channel: 1, timepoint: 3 }, 64));
    expect(never.status).toBe(404); // no image had a timepoint: only its default names a plane
    const unknown = await get(planeUrl(base, LAYER, { well: 'B02', source: 'Enhance' }, 64));
    expect(unknown.status).toBe(400);
    expect(unknown.text).toMatch(/has no axis source/);
    const oldForm = await get(`${base}api/plane?layer=${LAYER}&index=0,0&max=64`);
    expect(oldForm.status).toBe(400);
    expect(oldForm.text).toMatch(/needs at=/);
    const noLayer = await get(planeUrl(base, 'nope', {}, 64));
    expect(noLayer.status).toBe(404);
  });
});
