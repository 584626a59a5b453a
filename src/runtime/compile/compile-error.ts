/** A pipeline that cannot run as written: names the step (when one is at fault) and the fix. */
export class CompileError extends Error {
  constructor(
    readonly step: string | null,
    readonly problem: string,
    readonly fix: string
  ) {
    super(`${step === null ? 'Pipeline' : `Step '${step}'`}: ${problem}. Fix: ${fix}`);
    this.name = 'CompileError';
  }
}
