/**
 * The producer's ring of shared-memory slots, on real files in a private shm dir: a slot
 * given back is rewritten in place (same name, no new file), a retired one is unlinked, the
 * bounds make it say no, and the slots of a dead producer are swept, a live one's kept.
 */
// First: a private shared-memory dir for this file (SHM_DIR is read at import).
import { PRIVATE_SHM_DIR } from '../../../tests/streaming/private-shm.js';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RING_PREFIX, ringSlotPid } from '../shm.js';
import { readSegment } from './shm.js';
import { listRingSlots, ShmRing, sweepDeadRings } from './shm-ring.js';

afterAll(() => fs.rmSync(PRIVATE_SHM_DIR, { recursive: true, force: true }));

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

it('reuses a slot given back: same name, new content, no new file', () => {
  const ring = new ShmRing();
  const a = ring.lend(bytes(4096, 1))!;
  expect(ringSlotPid(a)).toBe(process.pid);
  expect(readSegment(a, 4096)[0]).toBe(1);
  ring.giveBack([a]);
  const b = ring.lend(bytes(4096, 2))!;
  expect(b).toBe(a);
  expect(readSegment(b, 4096).every(v => v === 2)).toBe(true);
  // Lent and not back: the next image of that size gets another slot.
  const c = ring.lend(bytes(4096, 3))!;
  expect(c).not.toBe(b);
  expect(listRingSlots().sort()).toEqual([b, c].sort());
  ring.destroy();
  expect(listRingSlots()).toEqual([]);
});

it('a retired slot is unlinked and never lent again', () => {
  const ring = new ShmRing();
  const a = ring.lend(bytes(2048, 5))!;
  ring.retire([a]);
  expect(fs.existsSync(path.join(PRIVATE_SHM_DIR, a))).toBe(false);
  const b = ring.lend(bytes(2048, 6))!;
  expect(b).not.toBe(a);
  ring.destroy();
});

it('says no beyond its bounds, and free slots of other sizes make room', () => {
  const ring = new ShmRing({ maxBytes: 10_000, maxSlots: 2 });
  const a = ring.lend(bytes(6000, 1))!;
  expect(ring.lend(bytes(6000, 1))).toBeNull(); // 12 000 bytes > 10 000
  const b = ring.lend(bytes(3000, 1))!;
  expect(ring.lend(bytes(100, 1))).toBeNull(); // 2 slots
  ring.giveBack([a]);
  const c = ring.lend(bytes(100, 1))!; // the free 6000-byte slot is unlinked for it
  expect(fs.existsSync(path.join(PRIVATE_SHM_DIR, a))).toBe(false);
  expect(ring.slots).toBe(2);
  ring.retire([b, c]);
  expect(listRingSlots()).toEqual([]);
});

it('idle free slots are trimmed, lent ones are not', () => {
  const ring = new ShmRing();
  const a = ring.lend(bytes(1500, 1))!;
  const b = ring.lend(bytes(1500, 1))!;
  ring.giveBack([a]);
  ring.trim(0);
  expect(listRingSlots()).toEqual([b]);
  ring.destroy();
});

it('sweeps the slots of a producer that is gone, keeps a live one', () => {
  // A real pid that has ended: a child process that exited.
  const child = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], {
    encoding: 'utf8',
    timeout: 10_000
  });
  const dead = Number(child.stdout.trim());
  const deadSlot = `${RING_PREFIX}${dead.toString(16).padStart(8, '0')}${'ab'.repeat(12)}`;
  fs.writeFileSync(path.join(PRIVATE_SHM_DIR, deadSlot), bytes(64, 1), { mode: 0o600 });
  const ring = new ShmRing();
  const live = ring.lend(bytes(2000, 1))!;
  expect(sweepDeadRings()).toBe(1);
  expect(listRingSlots()).toEqual([live]);
  ring.destroy();
});
