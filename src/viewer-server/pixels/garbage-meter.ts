/**
 * Bounds the pixel buffers waiting for the garbage collector. A buffer the server drops
 * (a spilled plane that arrived as a zeromq frame, an evicted level, a converted or padded
 * plane after its response) is freed only when V8 collects its ArrayBuffer, and V8 starts
 * a collection only after about 64 MB more external memory: on top of a 64 MiB budget that
 * alone doubled the resident memory. So the server counts the bytes it dropped and asks
 * for a (concurrent) major collection once they reach `thresholdBytes`.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

type Collect = (options?: { type: 'major'; execution: 'async' }) => void;

let collect: Collect | null = null;

/** V8's gc(), exposed the way jest-leak-detector does it (no command-line flag needed). */
function collector(): Collect {
  if (collect === null) {
    v8.setFlagsFromString('--expose-gc');
    collect = vm.runInNewContext('gc') as Collect;
  }
  return collect;
}

export class GarbageMeter {
  private pending = 0;
  /** Dropped since the last collection that finished before a copy (collectBefore). */
  private sinceCollected = 0;
  collections = 0;

  constructor(readonly thresholdBytes: number) {}

  /** `bytes` of buffers became garbage (nothing of ours references them any more). */
  dropped(bytes: number): void {
    this.pending += bytes;
    this.sinceCollected += bytes;
    if (this.pending < this.thresholdBytes) return;
    this.pending = 0;
    this.collections++;
    collector()({ type: 'major', execution: 'async' });
  }

  /**
   * Before `bytes` are copied in: when at least the threshold was dropped since, collect it
   * now (synchronous full collections, ~25 ms each, then one turn for the finalizers of external
   * buffers such as zeromq's), so the copy does not come on top of memory the spill that
   * made room for it has just dropped (the fuzzer's finding: +0.6 × budget per replaced plane).
   */
  async collectBefore(bytes: number): Promise<void> {
    if (bytes < this.thresholdBytes || this.sinceCollected < this.thresholdBytes) return;
    this.pending = 0;
    this.sinceCollected = 0;
    this.collections++;
    // gc() without options: V8 reads an options object only for type 'minor' or execution
    // 'async' (gc-extension.cc); { type: 'major', execution: 'sync' } is taken as the legacy
    // truthy argument, a minor GC that freed none of the planes a spill had just dropped.
    // Twice: while a concurrent collection (dropped()) is still marking, the first only
    // finishes it, and buffers allocated during its marking count as live for that cycle.
    collector()();
    collector()();
    await new Promise(resolve => setImmediate(resolve));
  }
}
