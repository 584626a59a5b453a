import { allocatedBytes } from './memory-cost.js';
import { PlaneBufferPool } from './plane-buffer-pool.js';

const HELD = allocatedBytes(4096); // 4096 bytes as malloc allocates them

describe('PlaneBufferPool', () => {
  it('hands a given-back buffer out again for the same size only', () => {
    const pool = new PlaneBufferPool(1 << 20);
    const a = pool.take(4096);
    expect(pool.give(a)).toBe(true);
    expect(pool.take(2048)).not.toBe(a);
    expect(pool.take(4096)).toBe(a);
    expect(pool.take(4096)).not.toBe(a);
    expect({ reused: pool.reused, allocated: pool.allocated }).toEqual({ reused: 1, allocated: 3 });
  });

  it('refuses buffers it did not allocate, parts of its buffers, and a second give', () => {
    const pool = new PlaneBufferPool(1 << 20);
    expect(pool.give(new Uint8Array(4096))).toBe(false);
    const a = pool.take(4096);
    expect(pool.give(a.subarray(0, 2048))).toBe(false);
    expect(pool.give(a.subarray(2048))).toBe(false);
    expect(pool.give(a)).toBe(true);
    expect(pool.give(a)).toBe(false);
    expect(pool.bytesHeld).toBe(HELD);
    pool.take(4096);
    expect(pool.bytesHeld).toBe(0);
  });

  it('keeps at most maxBytes free (as allocated), dropping the oldest', () => {
    const pool = new PlaneBufferPool(2 * HELD);
    const [a, b, c] = [pool.take(4096), pool.take(4096), pool.take(4096)];
    for (const bytes of [a, b, c]) expect(pool.give(bytes)).toBe(true);
    expect(pool.bytesHeld).toBe(2 * HELD);
    const taken = [pool.take(4096), pool.take(4096)];
    expect(taken).toEqual(expect.arrayContaining([b, c]));
    expect(taken).not.toContain(a);
    expect(pool.give(new Uint8Array(0))).toBe(false);
    expect(new PlaneBufferPool(1024).give(new PlaneBufferPool(1 << 20).take(4096))).toBe(false);
  });
});
