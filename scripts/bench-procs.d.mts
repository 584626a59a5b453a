// Types of scripts/bench-procs.mjs for its jest test (tests/scripts/bench-procs.test.ts).
export interface SuiteWatch {
  look(): void;
  stop(): void;
  alive(): { pid: number; name: string }[];
}
export function watchSuite(rootPid: number, everyMs?: number): SuiteWatch;
export function stopAll(
  watch: SuiteWatch,
  options?: { settleMs?: number; graceMs?: number }
): Promise<string[]>;
