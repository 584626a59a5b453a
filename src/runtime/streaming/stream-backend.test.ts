/**
 * Unit tests of the producer's queue and sending against a real ZeroMQ ROUTER bound in the
 * test (no viewer server here; tests/streaming/ runs against the real one). Ports 20100-20109.
 */
// First: a private shared-memory directory, so counting segments is not disturbed by (and never
// unlinks) other test files' segments.
import { PRIVATE_SHM_DIR } from '../../../tests/streaming/private-shm.js';
import * as fs from 'node:fs';
import * as zmq from 'zeromq';
import {
  BatchMessageSchema,
  decodeJson,
  encodeJson,
  type DisplayConfig
} from '../../protocol/index.js';
import { listSegments, readSegment, SHM_DIR, unlinkSegment } from '../../protocol/node/shm.js';
import type { NdArray } from '../model/image-data.js';
import type { StreamBatch } from '../model/stream-sink.js';
import { BoundedQueue } from './bounded-queue.js';
import { StreamBackend } from './stream-backend.js';

const display: DisplayConfig = {
  component_modes: { source: 'slice', well: 'stack', channel: 'stack' },
  colormap: 'viridis',
  variable_size_handling: 'pad_to_max'
};

function image(size: number, fill: number): NdArray {
  return { data: new Uint16Array(size * size).fill(fill), shape: [size, size], dtype: 'uint16' };
}

function batch(step: string, well: string, count: number, size = 32): StreamBatch {
  return {
    step,
    well,
    display,
    componentNames: { channel: { '1': 'DAPI' } },
    items: Array.from({ length: count }, (_, i) => ({
      path: `/out/${well}_s001_w1_z${String(i + 1).padStart(3, '0')}.tif`,
      array: image(size, i),
      metadata: { channel: 1, z_index: i + 1, site: 1, timepoint: null }
    }))
  };
}

/** A stand-in server: replies like the viewer server (copy out, unlink, reply) unless told to stay silent. */
class FakeServer {
  readonly socket = new zmq.Router({ linger: 0 });
  readonly messages: ReturnType<typeof BatchMessageSchema.parse>[] = [];
  readonly pixels: Uint8Array[] = [];
  silent = false;
  /** Reply `status: error` without touching the segments (a server that refused the message). */
  refuse = false;
  private loop: Promise<void> | null = null;

  constructor(readonly port: number) {}

  async start(): Promise<void> {
    await this.socket.bind(`tcp://127.0.0.1:${this.port}`);
    this.loop = (async () => {
      for await (const [id, ...rest] of this.socket) {
        const body = rest.filter(f => f.byteLength > 0);
        const message = decodeJson(body[0], BatchMessageSchema, 'test');
        this.messages.push(message);
        if (this.silent) continue;
        if (this.refuse) {
          const error = { status: 'error', type: 'batch', error: 'refused by the test' };
          await this.socket.send([id, new Uint8Array(0), encodeJson(error)]);
          continue;
        }
        for (const item of message.images) {
          if (item.shm_name) {
            this.pixels.push(readSegment(item.shm_name, item.shape.reduce((a, b) => a * b, 1) * 2));
            unlinkSegment(item.shm_name);
          }
        }
        const reply = {
          status: 'success',
          type: 'batch',
          accepted: message.images.length,
          rejected: 0
        };
        await this.socket.send([id, new Uint8Array(0), encodeJson(reply)]);
      }
    })().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.socket.close();
    await this.loop;
  }
}

afterAll(() => fs.rmSync(PRIVATE_SHM_DIR, { recursive: true, force: true }));

let before: Set<string>;
beforeEach(() => (before = new Set(listSegments())));
afterEach(() => {
  const leaked = listSegments().filter(n => !before.has(n));
  leaked.forEach(n => unlinkSegment(n));
  expect(leaked).toEqual([]);
});

describe('BoundedQueue', () => {
  it('refuses entries beyond the image and byte limits and hands them out in order', () => {
    const q = new BoundedQueue<{ n: number; b: number }>({ maxImages: 5, maxBytes: 100 }, e => ({
      images: e.n,
      bytes: e.b
    }));
    expect(q.offer({ n: 3, b: 10 })).toBe(true);
    expect(q.offer({ n: 3, b: 10 })).toBe(false); // 6 images > 5
    expect(q.offer({ n: 2, b: 91 })).toBe(false); // 101 bytes > 100
    expect(q.offer({ n: 2, b: 90 })).toBe(true);
    expect([q.length, q.queuedImages, q.queuedBytes]).toEqual([2, 5, 100]);
    expect(q.take()).toEqual({ n: 3, b: 10 });
    expect(q.offer({ n: 3, b: 0 })).toBe(true);
    expect(q.takeAll()).toEqual([
      { n: 2, b: 90 },
      { n: 3, b: 0 }
    ]);
    expect([q.length, q.queuedImages, q.queuedBytes]).toEqual([0, 0, 0]);
  });

  it('rejects nonsensical limits', () => {
    expect(
      () => new BoundedQueue({ maxImages: 0, maxBytes: 10 }, () => ({ images: 1, bytes: 1 }))
    ).toThrow(/≥ 1/);
  });
});

describe('StreamBackend', () => {
  it('sends batches in chunks of at most 50 with metadata and display config; the server frees the segments', async () => {
    const server = new FakeServer(20100);
    await server.start();
    const sink = new StreamBackend({ port: 20100 });
    try {
      expect(sink.enqueue(batch('Enhance', 'A01', 120))).toBe(true);
      expect(sink.enqueue(batch('Enhance', 'B02', 2, 4))).toBe(true); // 32 bytes: inline
      const report = await sink.flush(10_000);
      expect(report).toEqual({ sent: 122, dropped: 0, errors: [] });
      expect(server.messages.map(m => m.images.length)).toEqual([50, 50, 20, 2]);
      const first = server.messages[0];
      expect(first.display_config.colormap).toBe('viridis');
      expect(first.display_config.component_modes.source).toBe('slice');
      expect(first.component_names_metadata).toEqual({ channel: { '1': 'DAPI' } });
      expect(first.images[3].metadata).toMatchObject({
        source: 'Enhance',
        well: 'A01',
        site: 1,
        channel: 1,
        z_index: 4,
        timepoint: null
      });
      expect(first.images[3].shm_name).toMatch(/^plv_/);
      expect(new Uint16Array(server.pixels[3].buffer)[0]).toBe(3);
      const inline = server.messages[3].images[1];
      expect(inline.shm_name).toBeUndefined();
      expect(inline.data).toHaveLength(16);
      expect(inline.data?.[0]).toBe(1);
    } finally {
      await sink.close();
      await server.stop();
    }
  });

  it('drops what does not fit in the queue without waiting, and counts it', async () => {
    const server = new FakeServer(20101);
    await server.start();
    const sink = new StreamBackend({ port: 20101, maxImages: 10 });
    try {
      const t0 = performance.now();
      const accepted = Array.from({ length: 20 }, (_, i) => sink.enqueue(batch('S', `A${i}`, 4)));
      expect(performance.now() - t0).toBeLessThan(1000); // enqueue never waits for the network
      // The drain takes the first batch at once, so at most 3 batches (12 images > 10) fit.
      expect(accepted.filter(a => !a).length).toBeGreaterThanOrEqual(17);
      const report = await sink.flush(10_000);
      expect(report.sent + report.dropped).toBe(80);
      expect(report.dropped).toBe(accepted.filter(a => !a).length * 4);
      expect(report.errors.some(e => e.includes('queue full'))).toBe(true);
    } finally {
      await sink.close();
      await server.stop();
    }
  });

  it('with a server that never replies: bounded wait, segments unlinked by the producer, drops counted', async () => {
    const server = new FakeServer(20102);
    server.silent = true;
    await server.start();
    const sink = new StreamBackend({ port: 20102, replyTimeoutMs: 300, backoffMs: 60_000 });
    try {
      sink.enqueue(batch('S', 'A01', 3));
      sink.enqueue(batch('S', 'A02', 3));
      const t0 = performance.now();
      const report = await sink.flush(5000);
      expect(performance.now() - t0).toBeLessThan(4000);
      // The first message timed out; the second was dropped at once during the back-off.
      expect(server.messages).toHaveLength(1);
      expect(report).toMatchObject({ sent: 0, dropped: 6 });
      expect(report.errors[0]).toMatch(
        /no reply from the viewer server at tcp:\/\/127\.0\.0\.1:20102 within 300 ms/
      );
    } finally {
      await sink.close();
      await server.stop();
    }
  });

  it('a server that stops answering ping while a reply is pending is given up on early', async () => {
    // The stand-in has no control port, so every liveness ping misses.
    const server = new FakeServer(20108);
    server.silent = true;
    await server.start();
    const sink = new StreamBackend({
      port: 20108,
      replyTimeoutMs: 60_000,
      livenessIntervalMs: 200
    });
    try {
      sink.enqueue(batch('S', 'A01', 2));
      const t0 = performance.now();
      const report = await sink.flush(30_000);
      expect(performance.now() - t0).toBeLessThan(5000); // two missed pings, not the 60 s timeout
      expect(report).toMatchObject({ sent: 0, dropped: 2 });
      expect(report.errors[0]).toMatch(/stopped answering ping while a reply was pending/);
    } finally {
      await sink.close();
      await server.stop();
    }
  });

  it('a refused message: its images count as dropped and the producer unlinks its segments', async () => {
    const server = new FakeServer(20107);
    server.refuse = true;
    await server.start();
    const sink = new StreamBackend({ port: 20107 });
    try {
      sink.enqueue(batch('S', 'A01', 3));
      const report = await sink.flush(5000);
      expect(server.messages[0].images.map(i => i.shm_name)).toHaveLength(3);
      expect(report).toEqual({
        sent: 0,
        dropped: 3,
        errors: ['server refused S × A01: refused by the test']
      });
      // afterEach asserts that no segment is left.
    } finally {
      await sink.close();
      await server.stop();
    }
  });

  it('with no server at all: fails fast on send and keeps going', async () => {
    const sink = new StreamBackend({ port: 20103, sendTimeoutMs: 200, backoffMs: 100 });
    try {
      for (let i = 0; i < 3; i++) sink.enqueue(batch('S', `A0${i}`, 2));
      const report = await sink.flush(5000);
      expect(report).toMatchObject({ sent: 0, dropped: 6 });
      expect(report.errors[0]).toMatch(
        /no viewer server accepted the message at tcp:\/\/127\.0\.0\.1:20103/
      );
    } finally {
      await sink.close();
    }
  });

  it('flush with a short timeout aborts the message in flight and drops the rest', async () => {
    const server = new FakeServer(20104);
    server.silent = true;
    await server.start();
    const sink = new StreamBackend({ port: 20104, replyTimeoutMs: 30_000 });
    try {
      for (let i = 0; i < 4; i++) sink.enqueue(batch('S', `A0${i}`, 2));
      const t0 = performance.now();
      const report = await sink.flush(300);
      expect(performance.now() - t0).toBeLessThan(3000);
      expect(report).toMatchObject({ sent: 0, dropped: 8 });
      expect(report.errors).toContain('flush timed out after 300 ms');
      // A closed sink refuses new work and counts it.
      await sink.close();
      expect(sink.enqueue(batch('S', 'B01', 1))).toBe(false);
      expect((await sink.flush(100)).dropped).toBe(9);
    } finally {
      await sink.close();
      await server.stop();
    }
  });
});

it('counts segments in its private shared-memory directory', () => {
  expect(SHM_DIR).toBe(PRIVATE_SHM_DIR);
});
