/**
 * StreamBackend while its server starts (gate), when it stops answering at the end of a run
 * (unresponsive), and what it tells the server and the run about ownership (run tag,
 * replaced). A real ZeroMQ ROUTER bound here stands in for the server. Ports 21390-21399.
 */
import * as zmq from 'zeromq';
import {
  BatchMessageSchema,
  decodeJson,
  encodeJson,
  type BatchMessage
} from '../../protocol/index.js';
import type { StreamBatch } from '../model/stream-sink.js';
import { StreamBackend, type StreamGate } from './stream-backend.js';

/** Two 8×8 images: inline pixels, no shared memory. */
function batch(well: string): StreamBatch {
  return {
    step: 'Enhance',
    well,
    display: { component_modes: {}, colormap: 'gray', variable_size_handling: 'pad_to_max' },
    componentNames: {},
    items: [1, 2].map(channel => ({
      path: `/out/${well}_w${channel}.tif`,
      array: { data: new Uint16Array(64).fill(channel), shape: [8, 8], dtype: 'uint16' as const },
      metadata: { channel }
    }))
  };
}

/** Replies success (with `replaced` planes per message), except while `silent` or to the first `ignore` messages. */
class Router {
  readonly socket = new zmq.Router({ linger: 0 });
  readonly messages: BatchMessage[] = [];
  silent = false;
  ignore = 0;
  replaced = 0;

  async start(port: number): Promise<this> {
    await this.socket.bind(`tcp://127.0.0.1:${port}`);
    void (async () => {
      for await (const [id, ...rest] of this.socket) {
        const body = rest.filter(f => f.byteLength > 0);
        const message = decodeJson(body[0], BatchMessageSchema, 'test');
        this.messages.push(message);
        if (this.silent || this.messages.length <= this.ignore) continue;
        const reply = {
          status: 'success',
          type: 'batch',
          accepted: message.images.length,
          rejected: 0,
          ...(this.replaced > 0 ? { replaced: this.replaced } : {})
        };
        await this.socket.send([id, new Uint8Array(0), encodeJson(reply)]);
      }
    })().catch(() => undefined); // ends when the socket closes
    return this;
  }

  close(): void {
    this.socket.close();
  }
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>(r => (resolve = r));
  return { promise, resolve };
}

describe('StreamBackend gate', () => {
  it('holds batches until the server is ready, then sends them to the port the gate names', async () => {
    const server = await new Router().start(21391);
    const gate = deferred<StreamGate>();
    // 21390 has no server: only the gate's port can receive anything.
    const backend = new StreamBackend({ port: 21390, gate: gate.promise, livenessIntervalMs: 0 });
    expect(backend.enqueue(batch('A01'))).toBe(true);
    expect(backend.enqueue(batch('A02'))).toBe(true);
    await new Promise(r => setTimeout(r, 50));
    expect(server.messages).toHaveLength(0);

    gate.resolve({ port: 21391, notes: ['earlier runs kept'] });
    const report = await backend.flush(10_000);
    expect(report).toEqual({ sent: 4, dropped: 0, errors: ['earlier runs kept'] });
    expect(backend.port).toBe(21391);
    expect(server.messages.map(m => m.images[0].metadata.well)).toEqual(['A01', 'A02']);
    await backend.close();
    server.close();
  });

  it('drops everything at once, without sending, when the server cannot start', async () => {
    const backend = new StreamBackend({
      port: 21392,
      gate: Promise.resolve({ error: 'viewer on port 21392 unavailable' })
    });
    backend.enqueue(batch('A01'));
    backend.enqueue(batch('A02'));
    const report = await backend.flush(10_000);
    expect(report).toEqual({ sent: 0, dropped: 4, errors: ['viewer on port 21392 unavailable'] });
    await backend.close();
  });

  it('a flush stops waiting for a gate that never opens when the server is unresponsive', async () => {
    const backend = new StreamBackend({
      port: 21393,
      gate: new Promise<StreamGate>(() => {}), // a start stuck on a frozen server
      unresponsive: async () => 'frozen'
    });
    backend.enqueue(batch('A01'));
    // Would hang until jest's timeout if flush waited for the gate.
    const report = await backend.flush(600_000);
    expect(report).toEqual({ sent: 0, dropped: 2, errors: ['frozen'] });
    await backend.close();
  });
});

describe('StreamBackend at the end of a run', () => {
  it('stops waiting at once when the server stopped answering: in flight unconfirmed, the rest dropped', async () => {
    const server = await new Router().start(21394);
    server.silent = true; // frozen: takes the message, never replies
    let asked = 0;
    const backend = new StreamBackend({
      port: 21394,
      replyTimeoutMs: 600_000,
      livenessIntervalMs: 0,
      settleMs: 100,
      unresponsive: async () => (asked++, 'the server did not answer ping')
    });
    backend.enqueue(batch('A01'));
    backend.enqueue(batch('A02'));
    const report = await backend.flush(600_000); // bounded by the check, not by these timeouts
    expect(asked).toBe(1);
    expect(report).toMatchObject({ sent: 0, dropped: 2, unconfirmed: 2 });
    expect(report.errors).toContain('the server did not answer ping');
    await backend.close();
    // No reply within settleMs: the socket closes and the unconfirmed images count as dropped.
    const deadline = Date.now() + 10_000;
    while ((backend.report().unconfirmed ?? 0) > 0 && Date.now() < deadline)
      await new Promise(r => setTimeout(r, 20));
    expect(backend.report()).toMatchObject({ sent: 0, dropped: 4 });
    expect(backend.report().unconfirmed).toBeUndefined();
    server.close();
  });

  it('a server still gone: the message in flight is dropped at once', async () => {
    const server = await new Router().start(29225);
    server.silent = true;
    const backend = new StreamBackend({
      port: 29225,
      replyTimeoutMs: 600_000,
      livenessIntervalMs: 0,
      unresponsive: async () => ({ gone: 'the server is gone' })
    });
    backend.enqueue(batch('A01'));
    backend.enqueue(batch('A02'));
    expect(await backend.flush(600_000)).toMatchObject({ sent: 0, dropped: 4 });
    await backend.close();
    server.close();
  });

  it('waits on while the server still answers', async () => {
    const server = await new Router().start(21395);
    server.ignore = 1; // the first message is lost; the server itself is alive
    let asked = 0;
    const backend = new StreamBackend({
      port: 21395,
      replyTimeoutMs: 1000,
      backoffMs: 0,
      livenessIntervalMs: 0,
      unresponsive: async () => (asked++, null)
    });
    backend.enqueue(batch('A01'));
    backend.enqueue(batch('A02'));
    const report = await backend.flush(60_000);
    expect(asked).toBe(1);
    // Had flush given up, A02 would be dropped too; it waited and A02 arrived.
    expect(report).toMatchObject({ sent: 2, dropped: 2 });
    expect(report.errors.join('\n')).toMatch(/no reply .* within 1000 ms/);
    await backend.close();
    server.close();
  });
});

describe('StreamBackend ownership', () => {
  it('tags every message with its run and reports planes of another run it replaced', async () => {
    const server = await new Router().start(21396);
    server.replaced = 3;
    const run = { owner: 'notebook a.ipynb · pipeline "p"', id: 'run-1' };
    const backend = new StreamBackend({ port: 21396, run, livenessIntervalMs: 0 });
    backend.enqueue(batch('A01'));
    const report = await backend.flush(10_000);
    expect(server.messages[0].run).toEqual(run);
    expect(report).toMatchObject({ sent: 2, dropped: 0, replaced: 3 });
    expect(report.errors).toEqual([
      expect.stringMatching(/^3 planes of another run replaced/) as unknown as string
    ]);
    await backend.close();
    server.close();
  });
});
