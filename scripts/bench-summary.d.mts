// Types of scripts/bench-summary.mjs for its jest test (tests/scripts/bench-summary.test.ts).
export interface Stat {
  median: number;
  min: number;
  max: number;
}
export type Figure = number | boolean | string | Stat | undefined;
export type Figures = Record<string, Figure>;
export type Target = [op: '>=' | '<=' | '==' | 'true', value: number | boolean, text: string];
export type Row = [
  area: string,
  figure: string,
  suite: string,
  key: string,
  unit: string,
  digits: number,
  target: Target | null,
  limit: string | ((figures: Figures) => string) | null,
  link: string
];
export interface SuiteRun {
  name: string;
  what: string;
  ok: boolean;
  why: string;
  seconds: number;
  loadStart: string;
  loadEnd: string;
  figures: Figures | null;
  markdown: string | null;
  out: string;
}
export interface Run {
  command: string;
  started: string;
  ended: string;
  machine: string;
  loadStart: string;
  loadEnd: string;
  done: boolean;
  suites: SuiteRun[];
}
export const START: string;
export const END: string;
export const ROWS: Row[];
export function slug(heading: string): string;
export function outcome(value: Figure, target: Target | null): '' | 'met' | 'missed';
export function summaryTable(
  suites: Record<string, Pick<SuiteRun, 'ok' | 'why' | 'figures'>>
): string;
export function generatedSection(run: Run): string;
export function spliceGenerated(doc: string, section: string): string;
export function markdownFigure(markdown: string, first: RegExp): Stat | undefined;
export function openFigures(markdown: string): Figures;
export function restoreFigures(markdown: string): Figures;
export function panelFigures(summary: unknown): Figures;
export function stat(values: number[]): Stat | undefined;
