import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeBatch, type BatchMessageInput } from '../../protocol/index.js';
import { listSegments, writeSegment } from '../../protocol/node/index.js';
import { allocatedBytes, PLANE_BOOKKEEPING_BYTES } from '../pixels/memory-cost.js';
import { ViewerCore } from './viewer-core.js';

const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plv-core-test-'));
afterAll(() => fs.rmSync(storeDir, { recursive: true, force: true }));

function send(
  core: ViewerCore,
  images: BatchMessageInput['images'],
  buffers: Uint8Array[],
  extra: Partial<BatchMessageInput> = {}
) {
  return core.ingest(encodeBatch({ type: 'batch', images, ...extra }, buffers));
}

const u8 = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe('ViewerCore', () => {
  it('serves a smaller plane zero-padded to the layer shape (pad_to_max)', async () => {
    const core = new ViewerCore({ memoryBudgetBytes: 1 << 30, storeDir });
    await send(
      core,
      [
        {
          path: 'a',
          shape: [2, 3],
          dtype: 'uint8',
          image_id: 'a',
          frame: 1,
          metadata: { source: 's', well: 'A01' }
        }
      ],
      [Uint8Array.from([1, 2, 3, 4, 5, 6])]
    );
    await send(
      core,
      [
        {
          path: 'b',
          shape: [3, 2],
          dtype: 'uint8',
          image_id: 'b',
          frame: 1,
          metadata: { source: 's', well: 'A02' }
        }
      ],
      [Uint8Array.from([7, 8, 9, 10, 11, 12])]
    );
    const a = await core.plane('source_s', { well: 'A01' }, 100);
    expect(a.shape).toEqual([3, 3]);
    expect([...a.pixels]).toEqual([1, 2, 3, 4, 5, 6, 0, 0, 0]);
    const b = await core.plane('source_s', { well: 'A02' }, 100);
    expect([...b.pixels]).toEqual([7, 8, 0, 9, 10, 0, 11, 12, 0]);
    await core.close();
  });

  it('converts int16 planes to float32 for the browser and replaces same-metadata images', async () => {
    const core = new ViewerCore({ memoryBudgetBytes: 1 << 30, storeDir });
    const meta = { source: 'd', channel: 1 };
    await send(
      core,
      [{ path: 'x', shape: [2, 2], dtype: 'int16', image_id: 'x', frame: 1, metadata: meta }],
      [u8(Int16Array.from([-5, 0, 5, 300]))]
    );
    const first = await core.plane('source_d', { channel: 1 }, 10);
    expect(first.dtype).toBe('float32');
    expect([...first.pixels]).toEqual([-5, 0, 5, 300]);
    const reply = await send(
      core,
      [{ path: 'x', shape: [2, 2], dtype: 'int16', image_id: 'y', frame: 1, metadata: meta }],
      [u8(Int16Array.from([1, 2, 3, 4]))]
    );
    expect(reply).toEqual({ status: 'success', type: 'batch', accepted: 1, rejected: 0 });
    const second = await core.plane('source_d', { channel: 1 }, 10);
    expect([...second.pixels]).toEqual([1, 2, 3, 4]);
    expect(second.revision).toBeGreaterThan(first.revision);
    expect(core.summaries()[0].image_count).toBe(1);
    await core.planes.idle(); // a save write still reading the replaced plane holds its bytes
    // one plane: its 8-byte buffer as malloc allocates it, and its bookkeeping
    expect(core.planes.stats().resident_bytes).toBe(allocatedBytes(8) + PLANE_BOOKKEEPING_BYTES);
    await core.close();
  });

  it('reports coalesced events: one layer event per layer, one plane event per slot, cleared first after a clear', async () => {
    const core = new ViewerCore({ memoryBudgetBytes: 1 << 30, storeDir });
    for (const z of [1, 2, 2]) {
      await send(
        core,
        [
          {
            path: `z${z}`,
            shape: [1, 1],
            dtype: 'uint8',
            image_id: `z${z}`,
            data: [[z]],
            metadata: { source: 'e', z_index: z }
          }
        ],
        []
      );
    }
    const events = core.takeEvents();
    expect(events.map(e => e.type)).toEqual(['layer', 'plane', 'plane']);
    expect(core.takeEvents()).toEqual([]);
    core.clear();
    await send(
      core,
      [
        {
          path: 'n',
          shape: [1, 1],
          dtype: 'uint8',
          image_id: 'n',
          data: [[9]],
          metadata: { source: 'e' }
        }
      ],
      []
    );
    expect(core.takeEvents().map(e => e.type)).toEqual(['cleared', 'layer', 'plane']);
    await core.close();
  });

  it('rejects a batch whose every image is invalid with an error reply naming the image', async () => {
    const core = new ViewerCore({ memoryBudgetBytes: 1 << 30, storeDir });
    const reply = await send(
      core,
      [{ path: '/too/big', shape: [40, 40], dtype: 'uint8', image_id: 'i', data: [[1]] }],
      []
    );
    expect(reply.status).toBe('error');
    expect(reply.status === 'error' && reply.error).toMatch(/\/too\/big.*exceeds 1024/);
    expect(core.counters.snapshot()).toMatchObject({
      messages: 1,
      images: 0,
      dropped: 1,
      errors: 1
    });
    await core.close();
  });
});

describe('ViewerCore with OpenHCS ROI items', () => {
  it('stores the images of a batch and its ROI items as overlays; a malformed ROI item is rejected with the reason', async () => {
    const core = new ViewerCore({ memoryBudgetBytes: 1 << 30, storeDir });
    const header = {
      type: 'batch',
      images: [
        {
          path: '/img',
          shape: [1, 2],
          dtype: 'uint8',
          image_id: 'i',
          data: [[1, 2]],
          metadata: { source: 'r' }
        },
        {
          path: '/roi',
          data_type: 'shapes',
          shapes: [
            {
              type: 'polygon',
              coordinates: [
                [0, 0],
                [1, 1],
                [0, 1]
              ]
            }
          ],
          metadata: { source: 'r', well: 'B02' }
        }
      ]
    };
    const reply = await core.ingest([new TextEncoder().encode(JSON.stringify(header))]);
    expect(reply).toEqual({ status: 'success', type: 'batch', accepted: 2, rejected: 0 });
    expect(core.rois.overlays()).toEqual({
      revision: 1,
      sets: [
        {
          layer: 'source_r',
          kind: 'shapes',
          path: '/roi',
          at: { well: 'B02' },
          shapes: [{ type: 'polygon', coordinates: header.images[1].shapes![0].coordinates }]
        }
      ]
    });
    expect(core.state().rois_revision).toBe(1);
    expect(core.takeEvents()).toContainEqual({ type: 'rois', revision: 1 });
    const malformed = { path: '/bad', data_type: 'points', shapes: [{ type: 'points' }] };
    const onlyRoi = await core.ingest([
      new TextEncoder().encode(JSON.stringify({ ...header, images: [malformed] }))
    ]);
    expect(onlyRoi.status === 'error' && onlyRoi.error).toMatch(
      /\/bad, ROI points\): malformed ROI item: shapes\.0\.coordinates/
    );
    expect(core.counters.snapshot()).toMatchObject({ images: 1, dropped: 1, errors: 1 });
    core.clear();
    expect(core.rois.overlays().sets).toEqual([]);
    await core.close();
  });
  it('never reuses the buffer of a served plane when it is replaced (the response may still be sending it)', async () => {
    const core = new ViewerCore({ memoryBudgetBytes: 1 << 30, storeDir });
    const [h, w] = [512, 1024]; // 1 MiB frames
    const frame = (seed: number) =>
      Uint16Array.from({ length: h * w }, (_, i) => (i * 7 + seed) & 0xffff);
    const written: string[] = [];
    const segment = (seed: number) => {
      written.push(writeSegment(frame(seed)));
      return written[written.length - 1];
    };
    const item = (n: number, seed: number) => ({
      path: `p${n}`,
      shape: [h, w],
      dtype: 'uint16' as const,
      image_id: `i${n}`,
      shm_name: segment(seed),
      metadata: { source: 's', well: 'A01', z_index: (n % 2) + 1 }
    });
    expect(await send(core, [item(0, 1), item(1, 2)], [])).toMatchObject({
      status: 'success',
      accepted: 2
    });
    const served = await core.plane('source_s', { well: 'A01', z_index: 1 }, 4096);
    expect(served.level).toBe(0);
    // Replace both planes, twice: the unserved plane's buffer is reused, the served one never.
    for (let round = 0; round < 2; round++)
      expect(await send(core, [item(2, 10 + round), item(3, 20 + round)], [])).toMatchObject({
        status: 'success',
        accepted: 2
      });
    // Buffer.equals: a failing toEqual would diff 1 MiB for minutes.
    const same = (a: ArrayBufferView, b: ArrayBufferView) => Buffer.from(u8(a)).equals(u8(b));
    expect(same(served.pixels, frame(1))).toBe(true);
    expect(
      same((await core.plane('source_s', { well: 'A01', z_index: 1 }, 4096)).pixels, frame(11))
    ).toBe(true);
    expect(
      same((await core.plane('source_s', { well: 'A01', z_index: 2 }, 4096)).pixels, frame(21))
    ).toBe(true);
    // its own segments only: other programs may write to /dev/shm meanwhile
    const left = new Set(listSegments());
    expect(written.filter(name => left.has(name))).toEqual([]);
    await core.close();
  });

  it('counts a served plane as held until its response released it, not after', async () => {
    const core = new ViewerCore({ memoryBudgetBytes: 1 << 30, storeDir });
    const image = (seed: number) =>
      send(
        core,
        [
          {
            path: 'p',
            shape: [64, 64],
            dtype: 'uint8',
            image_id: 'p',
            frame: 1,
            metadata: { source: 'r' }
          }
        ],
        [new Uint8Array(4096).fill(seed)]
      );
    const one = allocatedBytes(4096) + PLANE_BOOKKEEPING_BYTES;
    await image(1);
    expect(core.planes.stats().resident_bytes).toBe(one);
    const full = await core.plane('source_r', {}, 64); // level 0: the stored bytes themselves
    await image(2); // replaces the plane while the response still reads its bytes
    expect(core.planes.stats().resident_bytes).toBe(one + allocatedBytes(4096));
    expect(full.pixels.every(v => v === 1)).toBe(true);
    full.release();
    await core.planes.idle(); // nor is a save write still reading them
    expect(core.planes.stats().resident_bytes).toBe(one);
    const reduced = await core.plane('source_r', {}, 32); // level 1: computed, nothing lent
    await image(3);
    expect(core.planes.stats().resident_bytes).toBe(one);
    reduced.release();
    await core.close();
  });
});
