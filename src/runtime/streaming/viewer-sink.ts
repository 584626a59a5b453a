/**
 * The default `streamSinkFor` of `run` (runtime/index.ts) and `runWithProgress`: for each
 * required visualizer, start or reuse its viewer server, remove what this owner's earlier
 * runs left there (only those: other notebooks' runs and show() layers stay, unlike
 * OpenHCS's clear_state before a run) and stream to it, every batch tagged with this run.
 * A server that cannot be started does not stop the run: the sink then drops everything and
 * says why. The report names the data port actually streamed to (it differs from the
 * requested one when another user's server holds that).
 */
import type { StreamBatch, StreamReport, StreamSink } from '../model/stream-sink.js';
import { StreamBackend, type StreamBackendOptions } from './stream-backend.js';
import {
  viewerManagerFor,
  type ViewerManager,
  type ViewerManagerOptions
} from './viewer-manager.js';
import { currentOwner, newRun } from './run-owner.js';

export interface ViewerTarget {
  port: number;
  host?: string;
  persistent?: boolean;
}

export type ViewerSinkOptions = Omit<StreamBackendOptions, 'port' | 'host' | 'run'> &
  Omit<ViewerManagerOptions, 'port' | 'host' | 'persistent'> & {
    /**
     * Whose run this is (run-owner.ts): its earlier runs' planes are replaced, nobody
     * else's. Default: this session + the pipeline `run()` is running.
     */
    owner?: string;
  };

class ViewerSink implements StreamSink {
  constructor(
    private readonly backend: StreamBackend,
    private readonly manager: ViewerManager,
    private readonly startError: string | null,
    private readonly notes: readonly string[]
  ) {}

  enqueue(batch: StreamBatch): boolean {
    return this.backend.enqueue(batch);
  }

  async flush(timeoutMs: number): Promise<StreamReport> {
    const report = { ...(await this.backend.flush(timeoutMs)), port: this.backend.options.port };
    const first = this.startError ? [this.startError, ...this.notes] : this.notes;
    return first.length > 0 ? { ...report, errors: [...first, ...report.errors] } : report;
  }

  /** Closes the stream; a non-persistent server is shut down, a persistent one stays. */
  async close(): Promise<void> {
    await this.backend.close();
    if (!this.startError) await this.manager.stop().catch(() => undefined);
  }
}

export async function viewerStreamSink(
  target: ViewerTarget,
  options: ViewerSinkOptions = {}
): Promise<StreamSink> {
  const manager = viewerManagerFor({
    ...options,
    port: target.port,
    host: target.host,
    persistent: target.persistent
  });
  const { owner = currentOwner(), ...backendOptions } = options;
  const run = newRun(owner);
  let startError: string | null = null;
  const notes: string[] = [];
  try {
    await manager.start();
  } catch (err) {
    startError = `viewer on port ${target.port} unavailable, streaming disabled for this run: ${(err as Error).message}`;
  }
  if (!startError) {
    try {
      await manager.clearOwner(run.owner, run.id);
    } catch (err) {
      // Streaming still works; the earlier run's planes stay until replaced (nothing is lost).
      notes.push(`earlier runs' planes not removed: ${(err as Error).message}`);
    }
  }
  const backend = new StreamBackend({
    ...backendOptions,
    run,
    port: manager.dataPort,
    host: target.host,
    // Without a server every message would fail; make that cost one short wait, then drop at once.
    ...(startError ? { sendTimeoutMs: 200, backoffMs: 24 * 3600_000 } : {})
  });
  return new ViewerSink(backend, manager, startError, notes);
}
