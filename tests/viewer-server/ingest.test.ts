/**
 * The real server process receiving batches through shared memory, inline data and raw
 * multipart frames, from REQ and DEALER sockets; then status, HTTP planes and events.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import WebSocket from 'ws';
import {
  eventsSubprotocols,
  httpPort,
  ViewerEventSchema,
  type ViewerEvent
} from '../../src/protocol/index.js';
import {
  controlRequest,
  dataIpcEndpoint,
  SHM_DIR,
  writeSegment
} from '../../src/protocol/node/index.js';
import { browserToken, tokenHeaders } from './browser-token.js';
import {
  getPlane,
  planeQuery,
  sendBatch,
  sendFrames,
  startServer,
  type RunningServer
} from './server-process.js';

const PORT = 20010;
let server: RunningServer;

beforeAll(async () => {
  server = await startServer(PORT);
});
afterAll(async () => {
  await server?.stop();
});

function ramp(n: number, seed: number): Uint16Array {
  return Uint16Array.from({ length: n }, (_, i) => (i * 7 + seed) % 65536);
}

function segmentExists(name: string): boolean {
  return fs.existsSync(`${SHM_DIR}/${name}`);
}

/** Segments of `names` still present after the server's background unlinks had 3 s. */
async function remaining(names: string[]): Promise<string[]> {
  const deadline = Date.now() + 3000;
  while (names.some(segmentExists) && Date.now() < deadline)
    await new Promise(r => setTimeout(r, 20));
  return names.filter(segmentExists);
}

async function status() {
  const reply = await controlRequest(PORT, { type: 'status' }, { timeoutMs: 10_000 });
  if (reply.type !== 'status') throw new Error(`expected status, got ${JSON.stringify(reply)}`);
  return reply.status;
}

describe('viewer server ingest', () => {
  const H = 48;
  const W = 64;
  const ch1 = ramp(H * W, 1);
  const ch2 = ramp(H * W, 1000);

  it('stores a shared-memory batch from a REQ producer, unlinks the segments, replies after the copy', async () => {
    const names = [writeSegment(ch1), writeSegment(ch2)];
    const reply = await sendBatch(PORT, {
      type: 'batch',
      images: names.map((shm_name, i) => ({
        path: `/plate/A01_s1_w${i + 1}.tif`,
        shape: [H, W],
        dtype: 'uint16',
        image_id: `img-${i}`,
        shm_name,
        metadata: { source: 'Enhance', well: 'A01', site: 1, channel: i + 1, z_index: 1 }
      })),
      display_config: { component_modes: {}, colormap: 'magma' },
      component_names_metadata: { channel: { '1': 'DAPI', '2': 'GFP' } }
    });
    expect(reply).toEqual({ status: 'success', type: 'batch', accepted: 2, rejected: 0 });
    expect(await remaining(names)).toEqual([]);

    const s = await status();
    const layer = s.layers.find(l => l.key === 'source_Enhance')!;
    expect(layer).toMatchObject({
      dtype: 'uint16',
      shape: [H, W],
      image_count: 2,
      colormap: 'magma'
    });
    expect(layer.axes.map(a => [a.name, a.labels])).toEqual([
      ['well', ['Well A01']],
      ['site', ['Site 1']],
      ['channel', ['Ch1: DAPI', 'Ch2: GFP']],
      ['z_index', ['Z 1']]
    ]);
    expect(s.counters).toMatchObject({
      messages: 1,
      images: 2,
      bytes: 2 * H * W * 2,
      dropped: 0,
      errors: 0
    });
    expect(s.ports).toEqual({ data: PORT, control: PORT + 1000, http: PORT + 3000 });
  });

  it('serves the full plane as raw bytes and a downsampled level sized to max', async () => {
    const full = await getPlane(
      PORT,
      planeQuery('source_Enhance', { well: 'A01', site: 1, channel: 2, z_index: 1 }, 4096)
    );
    expect(full.status).toBe(200);
    expect(full.headers.get('x-plane-shape')).toBe(`${H},${W}`);
    expect(full.headers.get('x-plane-dtype')).toBe('uint16');
    expect(full.headers.get('x-plane-level')).toBe('0');
    expect(Buffer.from(full.body).equals(Buffer.from(ch2.buffer))).toBe(true);

    const small = await getPlane(
      PORT,
      planeQuery('source_Enhance', { well: 'A01', site: 1, channel: 1, z_index: 1 }, 32)
    );
    expect(small.headers.get('x-plane-level')).toBe('1');
    expect(small.headers.get('x-plane-shape')).toBe(`${H / 2},${W / 2}`);
    const px = new Uint16Array(small.body.buffer, small.body.byteOffset, small.body.byteLength / 2);
    const mean = Math.round((ch1[0] + ch1[1] + ch1[W] + ch1[W + 1]) / 4);
    expect(px[0]).toBe(mean);

    expect((await getPlane(PORT, planeQuery('nope', {}, 10))).status).toBe(404);
    expect((await getPlane(PORT, 'layer=source_Enhance&max=10')).status).toBe(400); // no at=
    expect(
      (await getPlane(PORT, planeQuery('source_Enhance', { well: 'A01', channel: 5 }, 10))).status
    ).toBe(404);
    expect(
      (await getPlane(PORT, planeQuery('source_Enhance', { plate: 'P1' } as never, 10))).status
    ).toBe(400);
  });

  it('accepts inline data from a DEALER producer and a raw multipart frame', async () => {
    const inline = await sendBatch(
      PORT,
      {
        type: 'batch',
        images: [
          {
            path: '/tiny',
            shape: [2, 3],
            dtype: 'uint8',
            image_id: 't',
            data: [
              [1, 2, 3],
              [4, 5, 6]
            ],
            metadata: { source: 'Tiny' }
          }
        ]
      },
      [],
      'dealer'
    );
    expect(inline).toEqual({ status: 'success', type: 'batch', accepted: 1, rejected: 0 });
    const tiny = await getPlane(PORT, planeQuery('source_Tiny', {}, 100));
    expect([...tiny.body]).toEqual([1, 2, 3, 4, 5, 6]);

    const raw = new Float64Array([0.5, -1, 2, 3]);
    const shown = await sendBatch(
      PORT,
      {
        type: 'batch',
        layer_name: 'shown',
        images: [{ path: 'show()', shape: [2, 2], dtype: 'float64', image_id: 's', frame: 1 }]
      },
      [new Uint8Array(raw.buffer)],
      'dealer'
    );
    expect(shown.status).toBe('success');
    const plane = await getPlane(PORT, planeQuery('shown', {}, 10));
    expect(plane.headers.get('x-plane-dtype')).toBe('float32');
    expect([...new Float32Array(plane.body.buffer, plane.body.byteOffset, 4)]).toEqual([
      0.5, -1, 2, 3
    ]);
  });

  it('takes raw frames on the IPC endpoint beside its log, too', async () => {
    const ipc = dataIpcEndpoint(PORT, { PIPELINE_VIEWER_HOME: server.home });
    expect(ipc).toBe(`ipc://${server.home}/data-${PORT}.sock`);
    expect(fs.existsSync(`${server.home}/data-${PORT}.sock`)).toBe(true);
    const pixels = Uint8Array.from({ length: 64 * 32 }, (_, i) => i & 0xff);
    const reply = await sendBatch(
      ipc!,
      {
        type: 'batch',
        layer_name: 'via ipc',
        images: [{ path: 'show()', shape: [64, 32], dtype: 'uint8', image_id: 'ipc', frame: 1 }]
      },
      [pixels],
      'dealer'
    );
    expect(reply).toEqual({ status: 'success', type: 'batch', accepted: 1, rejected: 0 });
    const plane = await getPlane(PORT, planeQuery('via ipc', {}, 1000));
    expect(Buffer.from(plane.body).equals(Buffer.from(pixels))).toBe(true);
  });

  it('replies with an error to malformed messages and still unlinks their segments', async () => {
    const notJson = writeSegment(ch1);
    const brokenHeader = new TextEncoder().encode(
      `{"type": "batch", "images": [{"shm_name": "${notJson}", `
    );
    const r1 = await sendFrames(PORT, [brokenHeader]);
    expect(r1.status).toBe('error');
    expect(r1.status === 'error' && r1.error).toMatch(/not UTF-8 JSON/);
    expect(segmentExists(notJson)).toBe(false);

    const badDtype = writeSegment(ch1);
    const r2 = await sendBatch(PORT, {
      type: 'batch',
      images: [
        {
          path: '/x',
          shape: [H, W],
          dtype: 'complex128' as never,
          image_id: 'x',
          shm_name: badDtype
        }
      ]
    });
    expect(r2.status).toBe('error');
    expect(r2.status === 'error' && r2.error).toMatch(/dtype/);
    expect(segmentExists(badDtype)).toBe(false);

    // One valid image, one whose segment is too small: the good one is stored, both unlinked.
    const good = writeSegment(ch1);
    const short = writeSegment(new Uint16Array(10));
    const r3 = await sendBatch(PORT, {
      type: 'batch',
      images: [
        {
          path: '/good',
          shape: [H, W],
          dtype: 'uint16',
          image_id: 'g',
          shm_name: good,
          metadata: { source: 'Mixed' }
        },
        {
          path: '/short',
          shape: [H, W],
          dtype: 'uint16',
          image_id: 's',
          shm_name: short,
          metadata: { source: 'Mixed', channel: 2 }
        }
      ]
    });
    expect(r3).toEqual({ status: 'success', type: 'batch', accepted: 1, rejected: 1 });
    expect(await remaining([good, short])).toEqual([]);

    const s = await status();
    expect(s.counters.errors).toBe(3);
    expect(s.counters.dropped).toBe(1);
  });

  it('never opens or removes a file outside shared memory named by a message', async () => {
    const outside = path.join(os.tmpdir(), `plv-outside-${process.pid}`);
    fs.writeFileSync(outside, Buffer.alloc(8));
    try {
      for (const shm_name of [`../../${outside}`, outside, 'plv_../../etc/passwd']) {
        const reply = await sendBatch(PORT, {
          type: 'batch',
          images: [{ path: outside, shape: [2, 2], dtype: 'uint16', image_id: 'o', shm_name }]
        });
        expect(reply.status).toBe('error');
        expect(reply.status === 'error' && reply.error).toMatch(
          /shm_name must look like plv_<hex>/
        );
      }
      expect(fs.readFileSync(outside)).toEqual(Buffer.alloc(8));
    } finally {
      fs.rmSync(outside, { force: true });
    }
  });

  it('sends state on connect, then layer and plane events, then cleared on clear_state', async () => {
    const ws = new WebSocket(
      `ws://127.0.0.1:${httpPort(PORT)}/api/events`,
      eventsSubprotocols(browserToken(PORT))
    );
    const events: ViewerEvent[] = [];
    ws.on('message', data => events.push(ViewerEventSchema.parse(JSON.parse(String(data)))));
    const until = async (pred: () => boolean, what: string) => {
      const deadline = Date.now() + 5000;
      while (!pred()) {
        if (Date.now() > deadline)
          throw new Error(
            `no ${what} event within 5 s; got ${JSON.stringify(events.map(e => e.type))}`
          );
        await new Promise(r => setTimeout(r, 20));
      }
    };
    try {
      await until(() => events.some(e => e.type === 'state'), 'state');
      const state = events.find(e => e.type === 'state')!;
      expect(state.type === 'state' && state.state.layers.map(l => l.key)).toContain(
        'source_Enhance'
      );

      const name = writeSegment(ch1);
      await sendBatch(PORT, {
        type: 'batch',
        images: [
          {
            path: '/z2',
            shape: [H, W],
            dtype: 'uint16',
            image_id: 'z',
            shm_name: name,
            metadata: { source: 'Enhance', well: 'A01', site: 1, channel: 1, z_index: 2 }
          }
        ]
      });
      await until(
        () => events.some(e => e.type === 'plane' && e.layer === 'source_Enhance'),
        'plane'
      );
      const layerEvent = events.find(e => e.type === 'layer' && e.layer.key === 'source_Enhance');
      expect(
        layerEvent?.type === 'layer' &&
          layerEvent.layer.axes.find(a => a.name === 'z_index')!.values
      ).toEqual([1, 2]);
      const planeEvent = events.find(e => e.type === 'plane' && e.layer === 'source_Enhance')!;
      expect(planeEvent.type === 'plane' && planeEvent.index).toEqual([0, 0, 0, 1]);

      await until(() => events.some(e => e.type === 'stats'), 'stats');
      const stats = events.find(e => e.type === 'stats')!;
      expect(stats.type === 'stats' && stats.counters.images).toBeGreaterThanOrEqual(4);

      const ack = await controlRequest(PORT, { type: 'clear_state' }, { timeoutMs: 10_000 });
      expect(ack).toEqual({ type: 'clear_state_ack', status: 'success' });
      await until(() => events.some(e => e.type === 'cleared'), 'cleared');
      expect((await status()).layers).toEqual([]);
      const stateAfter = await (
        await fetch(`http://127.0.0.1:${httpPort(PORT)}/api/state`, {
          headers: tokenHeaders(PORT)
        })
      ).json();
      expect(stateAfter).toMatchObject({ generation: 1, layers: [] });
    } finally {
      ws.terminate();
    }
  });
});
