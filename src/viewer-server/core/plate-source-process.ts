/**
 * One plate opened from disk (docs/viewer-server.md, "Opening a plate from disk"): the server
 * forks `lib/runtime/plate/plate-source-main.js PATH` by path (viewer-server imports nothing of
 * runtime) and asks it, over the IPC channel, for the plate's description, its image
 * positions and planes. Every wait is bounded; a source that dies or does not answer makes
 * the request fail with a message naming the plate.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bytesPerElement, isDtype, type PixelSize } from '../../protocol/index.js';

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
  /** Halvings the source did of the `bins` asked (0 for a dtype it does not average). */
  binned: number;
}

type Answer = { id: number; error?: string } & Record<string, unknown>;

/** Planes asked in one turn go to the source as one `planes` batch of at most this many… */
export const MAX_BATCH_PLANES = 64;
/** …and this many bytes of pixels (at the levels asked), so no one message grows huge. */
export const MAX_BATCH_BYTES = 16 * 1024 ** 2;

/**
 * A forked plate source not yet told its plate: started with the folder, or as a warm spare
 * (`--spare`, spare-plate-source.ts) told it later. Its stderr is kept for a failed open.
 */
export class ForkedSource {
  stderr = '';
  readonly child: ChildProcess;

  constructor(script: string, args: string[]) {
    this.child = fork(script, args, {
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc']
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 4000) this.stderr += chunk.toString();
    });
    this.child.on('error', () => {}); // a fork or kill that failed shows as its exit
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

interface Pending {
  position: DiskPosition;
  level: number;
  bins: number;
  bytes: number;
  resolve: (plane: DiskPlane) => void;
  reject: (err: Error) => void;
}

export class PlateSourceProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, (answer: Answer) => void>();
  private exited: string | null = null;
  /** Planes asked this turn, sent together on the next (one IPC round trip for a grid's wells). */
  private batch: Pending[] = [];
  private batchBytes = 0;

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

  /** The source's process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Opens the plate `dir` in a fresh source, or in `spare` (a warm one, not yet told its
   * plate); resolves once the plate is open, rejects with the reader's error.
   */
  static open(
    dir: string,
    script: string = PLATE_SOURCE_MAIN,
    spare?: ForkedSource
  ): Promise<PlateSourceProcess> {
    const forked = spare ?? new ForkedSource(script, [dir]);
    const { child } = forked;
    if (spare) child.send({ type: 'open', dir });
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        forked.kill();
        reject(new Error(why));
      };
      const timer = setTimeout(
        () =>
          fail(
            `cannot open plate '${dir}': its reader did not answer within ${PLATE_SOURCE_WAIT_MS} ms`
          ),
        PLATE_SOURCE_WAIT_MS
      );
      child.once('exit', code =>
        fail(
          `cannot open plate '${dir}': its reader ended (exit ${code})${forked.stderr ? `: ${forked.stderr.trim()}` : ''}`
        )
      );
      child.once(
        'message',
        (message: { type?: string; error?: string; description?: DiskPlateDescription }) => {
          if (message?.type === 'ready' && message.description) {
            clearTimeout(timer);
            child.removeAllListeners('exit');
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

  /**
   * The plane at `position`, at stored level `level`, halved `bins` more times by the source
   * when it averages its dtype (`binned` says). Planes asked in the same turn (a grid's
   * wells) cross to the source in one batch; each is answered, or fails, on its own.
   */
  plane(position: DiskPosition, level = 0, bins = 0): Promise<DiskPlane> {
    const [h, w] = this.description.levels[level] ?? this.description.shape;
    const { dtype } = this.description;
    // bounded as if not binned: a dtype the source does not average comes whole
    const bytes = h * w * (isDtype(dtype) ? bytesPerElement(dtype) : 8);
    if (
      this.batch.length >= MAX_BATCH_PLANES ||
      (this.batch.length > 0 && this.batchBytes + bytes > MAX_BATCH_BYTES)
    )
      this.flush();
    return new Promise((resolve, reject) => {
      if (this.batch.length === 0) setImmediate(() => this.flush());
      this.batch.push({ position, level, bins, bytes, resolve, reject });
      this.batchBytes += bytes;
    });
  }

  private flush(): void {
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    this.batchBytes = 0;
    const items = batch.map(({ position, level, bins }) => ({ position, level, bins }));
    this.ask({ type: 'planes', items }).then(
      answer => {
        const planes = answer.planes as (DiskPlane | { error: string } | undefined)[];
        batch.forEach((pending, i) => {
          const plane = planes?.[i];
          if (plane && 'data' in plane) pending.resolve({ ...plane, binned: plane.binned ?? 0 });
          else
            pending.reject(
              new Error(plane?.error ?? `the plate source of '${this.path}' sent no plane ${i}`)
            );
        });
      },
      (err: Error) => batch.forEach(pending => pending.reject(err))
    );
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
