/**
 * ViewerSession with an in-room fake connection and fetch: which planes it asks for, in what
 * order, and what it shows as they arrive (the first paint of a composite).
 */
import { Signal } from '@lumino/signaling';
import { LayerInfoSchema, ViewerStateSchema, type LayerInfo } from '../../protocol/viewer-api.js';
import { ViewerModel } from '../model/viewer-model.js';
import type { ServerConnection } from './server-connection.js';
import { ViewerSession } from './viewer-session.js';

interface Call {
  url: URL;
  respond(res: Response): void;
}

/** The parts of ServerConnection the session uses; every fetch waits for `respond`. */
function fakeConnection() {
  const calls: Call[] = [];
  const fetch = ((url: string, init: RequestInit) =>
    new Promise<Response>((resolve, reject) => {
      init.signal?.addEventListener('abort', () => reject(init.signal!.reason));
      calls.push({ url: new URL(url, 'http://h/'), respond: resolve });
    })) as unknown as typeof globalThis.fetch;
  const owner = {};
  const connection = {
    baseUrl: 'b/',
    fetch,
    status: 'connected',
    stateReceived: new Signal(owner),
    eventReceived: new Signal(owner),
    statusChanged: new Signal(owner),
    errorOccurred: new Signal(owner)
  };
  return { connection: connection as unknown as ServerConnection, calls };
}

/** A 4-channel 2048² layer of one well (a plate opened from disk). */
function plate(): LayerInfo {
  return LayerInfoSchema.parse({
    key: 'plate',
    dtype: 'uint16',
    shape: [2048, 2048],
    axes: [
      { name: 'well', values: ['A01'], labels: ['Well A01'] },
      { name: 'channel', values: [1, 2, 3, 4], labels: ['DAPI', 'GFP', 'RFP', 'Cy5'] }
    ],
    colormap: 'gray',
    range: [0, 4000],
    image_count: 4,
    newest: [0, 3],
    revision: 4
  });
}

function planeReply(side: number): Response {
  return new Response(new Uint8Array(side * side * 2), {
    headers: {
      'x-plane-shape': `${side},${side}`,
      'x-plane-dtype': 'uint16',
      'x-plane-level': String(Math.log2(2048 / side)),
      'x-plane-revision': '4'
    }
  });
}

const channelOf = (c: Call) => JSON.parse(c.url.searchParams.get('at')!).channel as number;
const settle = () => new Promise(r => setTimeout(r, 0));

async function session() {
  const { connection, calls } = fakeConnection();
  const model = new ViewerModel();
  const s = new ViewerSession(model, connection);
  s.setViewport(800, null);
  (connection.stateReceived as Signal<object, unknown>).emit({
    state: ViewerStateSchema.parse({ pid: 1, started_at: 1, generation: 0, layers: [plate()] }),
    restarted: false
  });
  await settle();
  return { s, calls };
}

describe('ViewerSession', () => {
  it("asks for every channel of a composite at once, not one channel's request after another", async () => {
    const { s, calls } = await session();
    // one lane per layer sent DAPI alone and made the others wait a round trip each
    expect(calls.map(channelOf).sort()).toEqual([1, 2, 3, 4]);
    expect(calls.every(c => c.url.searchParams.get('max') === '256')).toBe(true);
    s.dispose();
  });

  it('shows each channel as it arrives, and stops loading with the last', async () => {
    const { s, calls } = await session();
    const first = calls.filter(c => c.url.searchParams.get('max') === '256');
    for (const [i, c] of first.entries()) {
      expect(s.loading).toBe(true);
      c.respond(planeReply(256));
      await settle();
      await settle();
      expect(s.shown.size).toBe(i + 1);
      // nothing grows while a channel has nothing to show: its preview comes first
      if (i < first.length - 1) expect(calls).toHaveLength(4);
    }
    expect(s.loading).toBe(false);
    // then each channel at the panel's size (800 px: level 1, 1024²)
    expect(calls.slice(4).map(c => [channelOf(c), c.url.searchParams.get('max')])).toEqual(
      [1, 2, 3, 4].map(c => [c, '800'])
    );
    s.dispose();
  });

  it('fetches nothing while paused (the grid covers it) and asks again once resumed', async () => {
    const { s, calls } = await session();
    expect(calls).toHaveLength(4);
    const aborted: unknown[] = [];
    s.errorOccurred.connect((_, msg) => aborted.push(msg)); // aborts are no errors
    s.setPaused(true);
    s.update();
    s.setViewport(1600, null); // grew: would ask for bigger planes
    await settle();
    expect(s.loader.inFlight).toBe(0); // the four requests in flight were given up
    expect(calls).toHaveLength(4);
    s.setPaused(false);
    await settle();
    expect(calls).toHaveLength(8);
    expect(calls.slice(4).map(channelOf).sort()).toEqual([1, 2, 3, 4]);
    expect(aborted).toEqual([]);
    s.dispose();
  });
});
