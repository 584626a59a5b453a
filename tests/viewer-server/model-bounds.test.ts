/**
 * The real server bounds what the model of one message can cost: 4,096 distinct axis
 * values ingest in bounded time, an image may split into at most MAX_PLANES_PER_IMAGE
 * planes, and no image may pad a layer's plane beyond MAX_PLANE_PIXELS. Each refusal is an
 * error reply that names the image and the limit; the server goes on serving.
 * Port 20088 (+1000, +3000).
 */
import {
  MAX_PLANES_PER_IMAGE,
  type BatchMessageInput,
  type ServerStatus
} from '../../src/protocol/index.js';
import { controlRequest, ping } from '../../src/protocol/node/index.js';
import {
  getPlane,
  planeQuery,
  sendBatch,
  startServer,
  within,
  type RunningServer
} from './server-process.js';
import { PLANE_BOOKKEEPING_BYTES } from '../../src/viewer-server/pixels/memory-cost.js';

const PORT = 20088;
let server: RunningServer;

beforeAll(async () => {
  server = await startServer(PORT);
  const pong = await ping(PORT, { timeoutMs: 2000 });
  if (pong?.pid !== server.child.pid)
    throw new Error(`port ${PORT} answers from pid ${pong?.pid}, not this test's server: taken`);
});
afterAll(async () => {
  await server?.stop();
});

/** Status within 1 s (the server is not busy with what came before). */
async function statusWithinOneSecond(): Promise<ServerStatus> {
  const reply = await within(controlRequest(PORT, { type: 'status' }, { timeoutMs: 1000 }), 1000);
  if (reply === 'timeout' || reply.type !== 'status')
    throw new Error(`no status within 1 s: ${JSON.stringify(reply)}`);
  return reply.status;
}

type Image = BatchMessageInput['images'][number];

function tiny(i: number, metadata: Image['metadata']): Image {
  return {
    path: `/i${i}`,
    shape: [1, 1],
    dtype: 'uint8',
    image_id: `i${i}`,
    data: [[i & 255]],
    metadata
  };
}

it('ingests 4,096 images with distinct z values in bounded time and still answers status', async () => {
  const started = Date.now();
  for (let m = 0; m < 4; m++) {
    const images = Array.from({ length: 1024 }, (_, k) => {
      const i = m * 1024 + k;
      return tiny(i, { source: 'zs', z_index: 1 + i * 16 }); // sparse: 1, 17, … 65,521
    });
    const reply = await within(sendBatch(PORT, { type: 'batch', images }), 20_000);
    expect(reply).toEqual({ status: 'success', type: 'batch', accepted: 1024, rejected: 0 });
  }
  // "did not hang": one message of 256 such images used to block the server for 19 s
  expect(Date.now() - started).toBeLessThan(20_000);
  const status = await statusWithinOneSecond();
  const layer = status.layers.find(l => l.key === 'source_zs')!;
  expect(layer.image_count).toBe(4096);
  const values = new Set(layer.axes[0].values);
  expect(Array.from({ length: 4096 }, (_, i) => 1 + i * 16).filter(z => !values.has(z))).toEqual(
    []
  );
  // widened to 1..W only as far as the values are dense (W ≤ 2 × 4,096 + slack)
  expect(values.size).toBeLessThan(3 * 4096);
});

it(`refuses an image of more than MAX_PLANES_PER_IMAGE (${MAX_PLANES_PER_IMAGE}) planes, accepts one at the limit`, async () => {
  const frame = new Uint8Array(100 * 40 * 100); // [t, c, z, 1, 1]: 400,000 planes of 1 pixel
  const refused = await within(
    sendBatch(
      PORT,
      {
        type: 'batch',
        images: [
          {
            path: '/many.tif',
            shape: [100, 40, 100, 1, 1],
            dtype: 'uint8',
            image_id: 'm',
            frame: 1,
            metadata: { source: 'many' }
          }
        ]
      },
      [frame]
    ),
    10_000
  );
  expect(refused).toMatchObject({ status: 'error' });
  expect(refused !== 'timeout' && refused.status === 'error' && refused.error).toMatch(
    /image \/many\.tif: shape \[100,40,100,1,1\] splits into 400000 planes of 1×1, over MAX_PLANES_PER_IMAGE \(4096\)/
  );
  const before = (await statusWithinOneSecond()).memory.resident_bytes;
  const accepted = await sendBatch(
    PORT,
    {
      type: 'batch',
      images: [
        {
          path: '/stack.tif',
          shape: [MAX_PLANES_PER_IMAGE, 1, 1],
          dtype: 'uint8',
          image_id: 's',
          frame: 1,
          metadata: { source: 'stack' }
        }
      ]
    },
    [new Uint8Array(MAX_PLANES_PER_IMAGE)]
  );
  expect(accepted).toEqual({ status: 'success', type: 'batch', accepted: 1, rejected: 0 });
  const status = await statusWithinOneSecond();
  expect(status.layers.find(l => l.key === 'source_many')).toBeUndefined();
  expect(status.layers.find(l => l.key === 'source_stack')!.image_count).toBe(MAX_PLANES_PER_IMAGE);
  // The budget counts what 4,096 planes hold, not the 4 KB of their pixels.
  expect(status.memory.resident_bytes - before).toBeGreaterThanOrEqual(
    MAX_PLANES_PER_IMAGE * PLANE_BOOKKEEPING_BYTES
  );
});

it('refuses an image that would pad every plane of its layer beyond MAX_PLANE_PIXELS', async () => {
  const send = (path: string, shape: [number, number], well: string) =>
    sendBatch(
      PORT,
      {
        type: 'batch',
        images: [
          {
            path,
            shape,
            dtype: 'uint16',
            image_id: path,
            frame: 1,
            metadata: { source: 'pad', well }
          }
        ]
      },
      [new Uint8Array(shape[0] * shape[1] * 2)]
    );
  expect(await send('/wide.tif', [1, 20000], 'A01')).toMatchObject({
    status: 'success',
    accepted: 1
  });
  const tall = await send('/tall.tif', [20000, 1], 'A02');
  expect(tall.status).toBe('error');
  expect(tall.status === 'error' && tall.error).toMatch(
    /image \/tall\.tif \(20000×1\) would pad every plane of layer source_pad \(1×20000 so far\) to 20000×20000 = 400000000 pixels, over MAX_PLANE_PIXELS/
  );
  // The layer keeps its shape: a full-size plane is 40 KB, not 800 MB.
  const plane = await getPlane(PORT, planeQuery('source_pad', { well: 'A01' }, 20000));
  expect(plane.status).toBe(200);
  expect(plane.headers.get('x-plane-shape')).toBe('1,20000');
  expect(plane.body.byteLength).toBe(40000);
  await statusWithinOneSecond();
});
