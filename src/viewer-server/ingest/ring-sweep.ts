/**
 * The server's side of producers' rings (protocol/node/shm-ring.ts): a `plvr_` slot stays
 * its producer's, which unlinks it when idle or at exit. A producer killed with SIGKILL
 * cannot, so the server remembers the pid of every ring it read from and, while any is
 * known, checks every SWEEP_MS whether it is still alive; the slots of a dead one are
 * unlinked (only our own regular files, as sweepDeadRings checks). The timer never keeps
 * the server alive and stops once no ring producer is left.
 */
import { ringSlotPid } from '../../protocol/index.js';
import { processAlive as alive, sweepDeadRings } from '../../protocol/node/index.js';

export const SWEEP_MS = 2000;

const producers = new Set<number>();
let timer: NodeJS.Timeout | null = null;

function tick(log: (line: string) => void): void {
  const gone = [...producers].filter(pid => !alive(pid));
  if (gone.length === 0) return;
  for (const pid of gone) producers.delete(pid);
  const removed = sweepDeadRings(alive);
  if (removed > 0)
    log(`shm: unlinked ${removed} ring slot(s) of ended producer(s) ${gone.join(', ')}`);
  if (producers.size === 0 && timer) {
    clearInterval(timer);
    timer = null;
  }
}

/** Remembers the producer of a ring slot the server was sent; no-op for other names. */
export function watchRingSlot(name: string, log: (line: string) => void = () => {}): void {
  const pid = ringSlotPid(name);
  if (pid === null || producers.has(pid)) return;
  producers.add(pid);
  if (timer) return;
  timer = setInterval(() => tick(log), SWEEP_MS);
  timer.unref?.();
}

/** Producers whose rings are watched now (tests). */
export function watchedRingProducers(): number[] {
  return [...producers];
}
