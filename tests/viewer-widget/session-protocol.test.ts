/**
 * The widget's client (ServerConnection + ViewerSession + ViewerModel) against the REAL
 * viewer server process: state, live events, plane bytes at panel size and at full size,
 * slider moves, replaced images keeping the user's contrast, clear, and a server restart.
 * Node's fetch and the `ws` WebSocket stand in for the browser's.
 */
import * as fs from 'node:fs';
import WebSocket from 'ws';
import { httpPort } from '../../src/protocol/ports.js';
import { controlRequest } from '../../src/protocol/node/index.js';
import { ServerConnection } from '../../src/viewer-widget/client/server-connection.js';
import { ViewerSession } from '../../src/viewer-widget/client/viewer-session.js';
import { overlayText } from '../../src/viewer-widget/model/overlay.js';
import { ViewerModel } from '../../src/viewer-widget/model/viewer-model.js';
import type { WebSocketCtor } from '../../src/viewer-widget/tokens.js';
import { liveServerRecord } from '../../src/protocol/node/index.js';
import {
  sendBatch,
  startViewerServer,
  tempHome,
  waitFor,
  type ViewerServerProcess
} from './server-harness.js';

const PORT = 20200;
const H = 192;
const W = 256;
const home = tempHome();

/** A distinct image per (well, channel, version): value = x + 7y + 1000·seed. */
function image(seed: number): Uint16Array {
  const data = new Uint16Array(H * W);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) data[y * W + x] = (x + 7 * y + 1000 * seed) % 65536;
  return data;
}

function bytes(a: Uint16Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

async function sendWells(wells: string[], version = 0): Promise<Map<string, Uint16Array>> {
  const sent = new Map<string, Uint16Array>();
  const images = [];
  const buffers: Uint8Array[] = [];
  for (const [w, well] of wells.entries()) {
    for (const channel of [1, 2]) {
      const data = image(w * 2 + channel + version * 10);
      sent.set(`${well}/${channel}`, data);
      buffers.push(bytes(data));
      images.push({
        path: `/plate/${well}_s1_w${channel}.tif`,
        shape: [H, W],
        dtype: 'uint16' as const,
        image_id: `${well}-${channel}-${version}`,
        frame: buffers.length,
        metadata: { source: 'Enhance', well, site: 1, channel, z_index: 1 }
      });
    }
  }
  const reply = await sendBatch(
    PORT,
    {
      type: 'batch',
      images,
      display_config: { component_modes: {}, colormap: 'gray' },
      component_names_metadata: { channel: { '1': 'DAPI', '2': 'GFP' } }
    },
    buffers
  );
  expect(reply).toMatchObject({ status: 'success', accepted: images.length });
  return sent;
}

let server: ViewerServerProcess | undefined;
let connection: ServerConnection;
let model: ViewerModel;
let session: ViewerSession;
const statuses: string[] = [];
const restarts: boolean[] = [];

beforeAll(async () => {
  server = await startViewerServer(PORT, home);
  const baseUrl = `http://127.0.0.1:${httpPort(PORT)}/`;
  connection = new ServerConnection({
    baseUrl,
    // As the panel does: address and token asked for before each attempt (a restart has a new token).
    endpoint: async () => {
      const record = liveServerRecord(PORT);
      return record && { baseUrl, token: record.browser_token };
    },
    WebSocket: WebSocket as unknown as WebSocketCtor,
    reconnectMinMs: 100,
    reconnectMaxMs: 400
  });
  model = new ViewerModel({ followNewest: true });
  // one channel at a time with a channel slider (the composite: model/composite.test.ts)
  model.channels.mode = 'single';
  session = new ViewerSession(model, connection);
  connection.statusChanged.connect((_, s) => statuses.push(s));
  connection.stateReceived.connect((_, n) => restarts.push(n.restarted));
  session.setViewport(64, null); // a small panel: planes come downsampled
  connection.connect();
  await waitFor('connected', () => connection.status === 'connected');
});

afterAll(async () => {
  session?.dispose();
  connection?.dispose();
  await server?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('viewer widget client ↔ real viewer server', () => {
  let sent: Map<string, Uint16Array>;

  it('connects, receives the (empty) state, then layers and axes as images stream in', async () => {
    expect(statuses).toEqual(['connecting', 'connected']);
    expect(model.server?.pid).toBe(server!.pid);
    expect(model.layers.length).toBe(0);

    sent = await sendWells(['A01', 'B02']);
    const layer = await waitFor('layer with 4 images', () => {
      const l = model.layers.get('source_Enhance');
      return l && l.info.image_count === 4 ? l : undefined;
    });
    expect(layer.info.shape).toEqual([H, W]);
    expect(layer.info.dtype).toBe('uint16');
    const axes = Object.fromEntries(model.dims.axes.map(a => [a.name, a.values]));
    expect(axes.well).toEqual(['A01', 'B02']);
    expect(axes.channel).toEqual([1, 2]);
    // following the newest plane: it ends on the last image of the batch (the plane events
    // arrive one by one after the layer's, so the position passes through earlier ones)
    await waitFor('the position of the newest plane', () => {
      const p = model.dims.position();
      return p.well === 'B02' && p.channel === 2 ? p : undefined;
    });
    expect(overlayText(model.dims)).toContain('Ch2: GFP');
    expect(overlayText(model.dims)).toContain('B02');
  });

  it('fetches a panel-sized level first: fewer bytes than the full plane', async () => {
    // The batch may first show an earlier image (A01) while following the newest: wait for
    // the plane of the position the model settled on.
    const want = model.visiblePlanes()[0].values;
    const plane = await waitFor('the shown plane of the current position', () => {
      const p = session.shown.get('source_Enhance');
      return p && p.values.join('/') === want.join('/') ? p : undefined;
    });
    expect(plane.values).toEqual(want);
    expect(plane.level).toBeGreaterThan(0);
    expect(Math.max(...plane.shape)).toBeGreaterThanOrEqual(64);
    expect(Math.max(...plane.shape)).toBeLessThan(W);
    expect(plane.data.length).toBe(plane.shape[0] * plane.shape[1]);
    // auto contrast from the first plane shown (its channel's), inside the data's range
    const [lo, hi] = model.channels.get('GFP')!.contrastLimits!;
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeGreaterThan(lo);
  });

  it('refines to full resolution when the view needs it, with the exact bytes sent', async () => {
    session.setViewport(4096, null);
    const plane = await waitFor('full-resolution plane', () => {
      const p = session.shown.get('source_Enhance');
      return p && p.level === 0 ? p : undefined;
    });
    expect(plane.shape).toEqual([H, W]);
    expect(plane.dtype).toBe('uint16');
    expect(
      Buffer.from(bytes(plane.data as Uint16Array)).equals(Buffer.from(bytes(sent.get('B02/2')!)))
    ).toBe(true);
  });

  it('a slider move shows the plane of the new position (values, overlay and pixels)', async () => {
    model.dims.setIndex('well', 0);
    model.dims.setIndex('channel', 0);
    expect(model.dims.followNewest).toBe(false);
    expect(overlayText(model.dims)).toContain('Ch1: DAPI');
    const plane = await waitFor('plane of A01 channel 1', () => {
      const p = session.shown.get('source_Enhance');
      return p && p.values[0] === 'A01' && p.level === 0 ? p : undefined;
    });
    expect(
      Buffer.from(bytes(plane.data as Uint16Array)).equals(Buffer.from(bytes(sent.get('A01/1')!)))
    ).toBe(true);
    // moving back is served from the browser cache: no request for that plane
    const asked: string[] = [];
    const load = session.loader.load.bind(session.loader);
    session.loader.load = (req, options) => {
      asked.push(`${req.values.join('/')}${options?.prefetch ? ' (ahead)' : ''}`);
      return load(req, options);
    };
    model.dims.setIndex('well', 1);
    model.dims.setIndex('channel', 1);
    await waitFor('B02 from cache', () => session.shown.get('source_Enhance')?.values[0] === 'B02');
    expect(session.shown.get('source_Enhance')!.values).toEqual(['B02', 1, 2, 1]);
    expect(session.loading).toBe(false);
    expect(asked.filter(a => a.startsWith('B02/1/2/1'))).toEqual([]);
    session.loader.load = load;
  });

  it('a replaced image is re-fetched, and the user contrast and colormap stay', async () => {
    const layer = model.layers.get('source_Enhance')!;
    layer.setContrastLimits(123, 4567);
    layer.colormap = 'magma';
    model.dims.setIndex('channel', 0);
    const before = await waitFor('B02 channel 1', () => {
      const p = session.shown.get('source_Enhance');
      return p && p.values[2] === 1 && p.level === 0 ? p : undefined;
    });
    expect(before.values).toEqual(['B02', 1, 1, 1]);
    const replaced = await sendWells(['B02'], 1);
    const plane = await waitFor('replaced plane', () => {
      const p = session.shown.get('source_Enhance');
      return p && p !== before && p.revision > before.revision && p.level === 0 ? p : undefined;
    });
    expect(
      Buffer.from(bytes(plane.data as Uint16Array)).equals(
        Buffer.from(bytes(replaced.get('B02/1')!))
      )
    ).toBe(true);
    expect(layer.contrastLimits).toEqual([123, 4567]);
    expect(layer.colormap).toBe('magma');
    expect(model.dims.position()).toMatchObject({ well: 'B02', channel: 1 }); // not following: stays
  });

  it('a new well sorting before the current one keeps the user on the same well', async () => {
    await sendWells(['A05']);
    await waitFor('A05 on the well axis', () => model.dims.axis('well')?.values.includes('A05'));
    expect(model.dims.axis('well')!.values).toEqual(['A01', 'A05', 'B02']);
    expect(model.dims.value('well')).toBe('B02');
    expect(model.visiblePlanes()[0].index[0]).toBe(2);
  });

  it('fetches the neighbours of the axis the user moved ahead, so the next step is cached', async () => {
    const drops = session.loader.drops;
    model.dims.setIndex('well', 0); // A01; its neighbours are A05 (next) and B02 (previous)
    const values = ['A05', 1, 1, 1];
    const ahead = await waitFor('A05 fetched ahead', () =>
      model.cache.best('source_Enhance', values, W)
    );
    expect(ahead.level).toBe(0);
    model.dims.step('well', 1);
    session.update();
    expect(session.shown.get('source_Enhance')?.values).toEqual(values);
    expect(session.loading).toBe(false);
    expect(session.loader.drops).toBe(drops);
  });

  it('clear_state on the control port empties layers and axes in the client', async () => {
    const generation = model.server!.generation;
    const reply = await controlRequest(PORT, { type: 'clear_state' }, { timeoutMs: 3000 });
    expect(reply.type).toBe('clear_state_ack');
    await waitFor('cleared', () => model.layers.length === 0);
    expect(model.server!.generation).toBeGreaterThan(generation);
    expect(model.cache.size).toBe(0);
    expect(model.dims.axes).toEqual([]);
  });

  it('reconnects by itself after the server restarts and shows the new state', async () => {
    const oldPid = server!.pid;
    await server!.stop();
    server = undefined;
    await waitFor('disconnect noticed', () => connection.status === 'disconnected');
    server = await startViewerServer(PORT, home);
    await waitFor(
      'reconnected',
      () => connection.status === 'connected' && model.server?.pid === server!.pid,
      15_000
    );
    expect(server.pid).not.toBe(oldPid);
    expect(restarts[restarts.length - 1]).toBe(true);
    expect(statuses.slice(-2)).toEqual(['disconnected', 'connected']); // no flapping while retrying
    await sendWells(['C03']);
    await waitFor(
      'new layer after restart',
      () => model.layers.get('source_Enhance')?.info.image_count === 2
    );
    expect(model.dims.axis('well')!.values).toEqual(['C03']);
  });

  it('a new plane is fetched as a small preview, then at panel size, then at full size when idle', async () => {
    model.dims.setFollowNewest(true);
    session.setViewport(300, null);
    // Sizes asked for, in order: the view's planes go through loadLatest, the idle refinement
    // may go through load; a repeated size (loadLatest joining a pending request) counts once.
    const requests: number[] = [];
    const record = (req: { layer: string; max: number }): void => {
      if (req.layer === 'source_Large' && requests[requests.length - 1] !== req.max)
        requests.push(req.max);
    };
    const loader = session.loader;
    const load = loader.load.bind(loader);
    const loadLatest = loader.loadLatest.bind(loader);
    loader.load = (req, options) => (record(req), load(req, options));
    loader.loadLatest = req => (record(req), loadLatest(req));
    const levels: number[] = [];
    session.changed.connect(() => {
      const p = session.shown.get('source_Large');
      if (p && levels[levels.length - 1] !== p.level) levels.push(p.level);
    });
    const data = new Uint16Array(768 * 1024).map((_, i) => i % 4096);
    const reply = await sendBatch(
      PORT,
      {
        type: 'batch',
        images: [
          {
            path: 'large.tif',
            shape: [768, 1024],
            dtype: 'uint16',
            image_id: 'large',
            frame: 1,
            metadata: { source: 'Large', well: 'C03' }
          }
        ]
      },
      [bytes(data)]
    );
    expect(reply).toMatchObject({ status: 'success', accepted: 1 });
    const full = await waitFor('full-size plane after the idle delay', () => {
      const p = session.shown.get('source_Large');
      return p && p.level === 0 ? p : undefined;
    });
    expect(requests).toEqual([256, 300, 1024]);
    expect(levels.length).toBe(3);
    expect(levels[0]).toBeGreaterThan(levels[1]);
    expect(levels[2]).toBe(0);
    expect(Buffer.from(bytes(full.data as Uint16Array)).equals(Buffer.from(bytes(data)))).toBe(
      true
    );
  });
});
