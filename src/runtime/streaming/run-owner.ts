/**
 * Who streams: each batch carries a run tag `{owner, id}` so a run clears only what it made
 * itself (issue 10, defects 8 and 13). The owner is the notebook session plus the pipeline
 * (a re-run of that pipeline from that notebook replaces its previous run), or a `show()`
 * name of that session; the id is new for every run.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type { RunTag } from '../../protocol/index.js';

/** The server refuses longer owners (protocol/messages.ts, RunTagSchema). */
const MAX_OWNER_CHARS = 300;

function env(name: string): string | undefined {
  try {
    return process.env[name] || undefined;
  } catch {
    return undefined; // Deno without --allow-env
  }
}

/**
 * The producer's session: PIPELINE_VIEWER_SESSION when set, else the notebook Jupyter runs
 * this kernel for (JPY_SESSION_NAME, its path), else the script, else this process.
 */
export function sessionName(): string {
  const explicit = env('PIPELINE_VIEWER_SESSION');
  if (explicit) return explicit;
  const notebook = env('JPY_SESSION_NAME');
  if (notebook) return `notebook ${notebook}`;
  const script = process.argv[1];
  if (script && !script.startsWith('-')) return `script ${path.resolve(script)}`;
  return `process ${process.pid}`;
}

/** Cuts an owner to the server's bound, keeping it unique (a hash of the whole). */
function bounded(owner: string): string {
  if (owner.length <= MAX_OWNER_CHARS) return owner;
  const hash = createHash('sha256').update(owner).digest('hex').slice(0, 16);
  return `…${owner.slice(-(MAX_OWNER_CHARS - hash.length - 2))} ${hash}`;
}

/** The owner of a pipeline's runs from this session. */
export function pipelineOwner(pipeline: string, session = sessionName()): string {
  return bounded(`${session} · pipeline ${JSON.stringify(pipeline)}`);
}

/**
 * The pipeline `run()` is running, for the sinks opened during it: a sink opener (the default
 * one, runWithProgress's, a user's) is handed a visualizer, not the plan.
 */
const running = new AsyncLocalStorage<string>();

/** Runs `body` as a run of `pipeline`: sinks opened inside it are owned by that pipeline. */
export function asRunOf<T>(pipeline: string, body: () => Promise<T>): Promise<T> {
  return running.run(pipeline, body);
}

/** The owner of the pipeline being run here (`asRunOf`), else of this session's "pipeline". */
export function currentOwner(): string {
  return pipelineOwner(running.getStore() ?? 'pipeline');
}

/** The owner of `show()` calls of one name from this session (each call replaces the last). */
export function showOwner(name: string, session = sessionName()): string {
  return bounded(`${session} · show ${JSON.stringify(name)}`);
}

/** A new run of `owner`. */
export function newRun(owner: string): RunTag {
  return { owner: bounded(owner), id: randomUUID() };
}
