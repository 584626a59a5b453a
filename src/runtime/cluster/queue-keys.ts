/** Names the notebook and its workers share on Redis. */
export const DEFAULT_QUEUE = 'pipeline-viewer';

/** Set by a cancelled run; workers poll it between steps. */
export function cancelKey(runId: string): string {
  return `pipeline-viewer:cancel:${runId}`;
}

/** A well's job id: unique per run, readable in BullMQ tools. */
export function wellJobId(runId: string, well: string): string {
  return `${runId}.${well}`;
}
