/**
 * One plate opened from disk (docs/viewer-server.md, "Opening a plate from disk"): the server
 * forks `lib/runtime/plate/plate-source-main.js PATH` by path (viewer-server imports nothing of
 * runtime) and asks it, over the IPC channel, for the plate's description, its image
 * positions and planes. Every wait is bounded; a source that dies or does not answer makes
 * the request fail with a message naming the plate.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PixelSize } from '../../protocol/index.js';

/** Where plate-source-main.js lies beside this file once built (lib/viewer-server/core/). */
export const PLATE_SOURCE_MAIN = fileURLToPath(
  new URL('../../runtime/plate/plate-source-main.js', import.meta.url)
);
/** Longest wait for the source's ready and for each answer. */
export const PLATE_SOURCE_WAIT_MS = 10_000;

/** A plane's place on the plate; a component the plate lacks is null. */
export interface DiskPosition {
  well: string;
  site: number | null;
  channel: number | null;
  z_index: number | null;
  timepoint: number | null;
}

/** What the source says of its plate (runtime/plate/plate-source.ts, PlateSourceDescription). */
export interface DiskPlateDescription {
  root: string;
  name: string;
  images: number;
  dtype: string;
  shape: [number, number];
  levels: [number, number][];
  axes: { well: string[] } & Partial<
    Record<'site' | 'channel' | 'z_index' | 'timepoint', number[]>
  >;
  channelNames: Record<string, string>;
  pixelSize: PixelSize | null;
}

export interface DiskPlane {
  dtype: string;
  shape: number[];
  data: ArrayBufferView;
}

type Answer = { id: number; error?: string } & Record<string, unknown>;

export class PlateSourceProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, (answer: Answer) => void>();
  private exited: string | null = null;

  private constructor(
    private readonly child: ChildProcess,
    readonly path: string,
    readonly description: DiskPlateDescription
  ) {
    child.on('message', (answer: Answer) => this.waiting.get(answer?.id)?.(answer));
    child.on('exit', (code, signal) => {
      this.exited = `the plate source of '${path}' ended (${signal ?? `exit ${code}`})`;
      for (const settle of this.waiting.values()) settle({ id: 0, error: this.exited });
    });
  }

  /** Forks the source on `dir`; resolves once the plate is open, rejects with the reader's error. */
  static open(dir: string, script = PLATE_SOURCE_MAIN): Promise<PlateSourceProcess> {
    const child = fork(script, [dir], {
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc']
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString();
    });
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(why));
      };
      const timer = setTimeout(
        () =>
          fail(
            `cannot open plate '${dir}': its reader did not answer within ${PLATE_SOURCE_WAIT_MS} ms`
          ),
        PLATE_SOURCE_WAIT_MS
      );
      child.once('error', err => fail(`cannot open plate '${dir}': ${err.message}`));
      child.once('exit', code =>
        fail(
          `cannot open plate '${dir}': its reader ended (exit ${code})${stderr ? `: ${stderr.trim()}` : ''}`
        )
      );
      child.once(
        'message',
        (message: { type?: string; error?: string; description?: DiskPlateDescription }) => {
          if (message?.type === 'ready' && message.description) {
            clearTimeout(timer);
            child.removeAllListeners('exit');
            child.removeAllListeners('error');
            child.on('error', () => {}); // a kill of an ended child
            resolve(new PlateSourceProcess(child, dir, message.description));
          } else
            fail(
              `cannot open plate '${dir}': ${message?.error ?? 'its reader sent no description'}`
            );
        }
      );
    });
  }

  /** Every image position of the plate, in the plate's order. */
  async positions(): Promise<DiskPosition[]> {
    return (await this.ask({ type: 'positions' })).positions as DiskPosition[];
  }

  /** The plane at `position`, at stored level `level`. */
  async plane(position: DiskPosition, level = 0): Promise<DiskPlane> {
    const answer = await this.ask({ type: 'plane', position, level });
    return {
      dtype: answer.dtype as string,
      shape: answer.shape as number[],
      data: answer.data as ArrayBufferView
    };
  }

  /** Ends the source (clear, stop, a failed open). */
  close(): void {
    this.child.kill('SIGTERM');
  }

  private ask(request: Record<string, unknown>): Promise<Answer> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          settle({
            id,
            error: `the plate source of '${this.path}' did not answer ${request.type} within ${PLATE_SOURCE_WAIT_MS} ms`
          }),
        PLATE_SOURCE_WAIT_MS
      );
      const settle = (answer: Answer) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        if (answer.error !== undefined) reject(new Error(answer.error));
        else resolve(answer);
      };
      this.waiting.set(id, settle);
      this.child.send({ id, ...request });
    });
  }
}
