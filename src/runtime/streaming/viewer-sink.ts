/**
 * The default `streamSinkFor` of `run` (runtime/index.ts) and `runWithProgress`: for each
 * required visualizer, start or reuse its viewer server, remove what this owner's earlier
 * runs left there (only those: other notebooks' runs and show() layers stay, unlike
 * OpenHCS's clear_state before a run) and stream to it, every batch tagged with this run.
 * The sink is returned at once: the server starts in the background while batches queue,
 * so a run never waits for it (a frozen server held a run 30 s here). A server that cannot
 * be started does not stop the run: the sink then drops everything and says why. The report
 * names the data port actually streamed to (another user's server may hold the requested one).
 */
import type { StreamBatch, StreamReport, StreamSink } from '../model/stream-sink.js';
import { StreamBackend, type StreamBackendOptions, type StreamGate } from './stream-backend.js';
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

export type ViewerSinkOptions = Omit<
  StreamBackendOptions,
  'port' | 'host' | 'run' | 'gate' | 'unresponsive'
> &
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
    private readonly started: () => boolean | null
  ) {}

  enqueue(batch: StreamBatch): boolean {
    return this.backend.enqueue(batch);
  }

  async flush(timeoutMs: number): Promise<StreamReport> {
    return { ...(await this.backend.flush(timeoutMs)), port: this.backend.port };
  }

  /** Closes the stream; a non-persistent server is shut down, a persistent one stays. */
  async close(): Promise<void> {
    await this.backend.close();
    if (this.started()) await this.manager.stop().catch(() => undefined);
  }
}

/** Bound on the ping that tells a frozen or gone server from a busy one at flush. */
const RESPONSIVE_PING_MS = 500;

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
  /** null while starting, then whether the server is up. */
  let started: boolean | null = null;
  // A start that reuses a server cannot take long unless that server is frozen or gone.
  const spawning = !manager.hasServer();
  const gate = (async (): Promise<StreamGate> => {
    let transports: readonly string[] | undefined;
    try {
      transports = (await manager.start()).transports;
    } catch (err) {
      started = false;
      return {
        error: `viewer on port ${target.port} unavailable, streaming disabled for this run: ${(err as Error).message}`
      };
    }
    started = true;
    try {
      await manager.clearOwner(run.owner, run.id);
      return { port: manager.dataPort, transports };
    } catch (err) {
      // Streaming still works; the earlier run's planes stay until replaced (nothing is lost).
      const note = `earlier runs' planes not removed: ${(err as Error).message}`;
      return { port: manager.dataPort, notes: [note], transports };
    }
  })();
  const unresponsive = async (): Promise<string | { gone: string } | null> => {
    const state = await manager.responsive(RESPONSIVE_PING_MS);
    // 'none' while starting: a server spawned for this run may take a while to bind.
    if (state === 'answers' || (state === 'none' && started === null && spawning)) return null;
    // Silent may be busy (a ping waits for the message being copied): what is in flight
    // stays unconfirmed until its reply; gone is gone.
    return state === 'silent'
      ? `viewer server on port ${manager.dataPort} did not answer ping within ${RESPONSIVE_PING_MS} ms at the end of the run (frozen or hung?); the images still queued were dropped`
      : {
          gone: `viewer server on port ${manager.dataPort} is gone; the images still queued were dropped`
        };
  };
  const backend = new StreamBackend({
    ...backendOptions,
    run,
    port: target.port,
    host: target.host,
    gate,
    unresponsive
  });
  return new ViewerSink(backend, manager, () => started);
}
