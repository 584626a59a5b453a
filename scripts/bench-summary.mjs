// The summary of one `npm run bench` run (issue 14): every headline figure with its target,
// met or missed, and for a missed one what limits it (a link to the section of
// docs/benchmarks.md that measures it). Pure: the suites' figures in, markdown out
// (tests/scripts/bench-summary.test.ts); scripts/bench.mjs runs the suites and writes it.
//
// A suite's figures are a flat object (its `--json FILE`, or read from its own output by
// figuresOf): key → a number, `{ median, min, max }` over its rounds, a boolean or a string.

/** Where the generated part of docs/benchmarks.md starts and ends (replaced on a full run). */
export const START = '<!-- bench:generated:start (written by `npm run bench`; do not edit) -->';
export const END = '<!-- bench:generated:end -->';

export { ROWS, slug } from './bench-targets.mjs';
import { ROWS } from './bench-targets.mjs';

/** 'met', 'missed', or '' (no target) for a measured value. */
export function outcome(value, target) {
  if (!target) return '';
  const [op, want] = target;
  const v = typeof value === 'object' && value !== null ? value.median : value;
  const ok =
    op === '>=' ? v >= want : op === '<=' ? v <= want : op === '==' ? v === want : v === true;
  return ok ? 'met' : 'missed';
}

function show(value, unit, digits) {
  const n = x => `${x.toFixed(digits)}${unit}`;
  if (typeof value === 'number') return n(value);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') return value;
  return `${n(value.median)} (${value.min.toFixed(digits)}–${value.max.toFixed(digits)})`;
}

const measured = v =>
  typeof v === 'boolean' ||
  typeof v === 'string' ||
  Number.isFinite(v) ||
  (typeof v === 'object' && v !== null && Number.isFinite(v.median));

/**
 * The summary table. `suites`: name → { ok, why, figures } of this run (absent: not run).
 * A figure missing from a suite's output is "not measured", with the suite's reason.
 */
export function summaryTable(suites) {
  const lines = [
    '| area | figure | measured: median (min–max) | target | result |',
    '| --- | --- | --- | --- | --- |'
  ];
  for (const [area, figure, suite, key, unit, digits, target, limit, link] of ROWS) {
    const run = suites[suite];
    const v = run?.figures?.[key];
    let cell, result;
    if (!measured(v)) {
      const why = !run ? 'suite not run' : !run.ok ? `failed: ${run.why}` : 'not in its output';
      cell = `not measured (${suite}: ${why})`;
      result = target ? 'not measured' : '';
    } else {
      cell = show(v, unit, digits);
      result = outcome(v, target);
      if (result === 'missed') {
        const text = typeof limit === 'function' ? limit(run.figures) : limit;
        result = text
          ? `**missed**: limited by ${text} ([measured](${link}))`
          : `**missed**: what limits it is not analysed (met in earlier runs: [section](${link}))`;
      }
    }
    lines.push(`| ${area} | ${figure} | ${cell} | ${target?.[2] ?? ''} | ${result} |`);
  }
  return lines.join('\n');
}

/**
 * The generated part of docs/benchmarks.md (markers included). run: { started, ended,
 * machine, loadStart, loadEnd, command, done, minutes, suites: [{ name, what, ok, why,
 * seconds, loadStart, loadEnd, figures, markdown, out }] }.
 */
export function generatedSection(run) {
  const byName = Object.fromEntries(run.suites.map(s => [s.name, s]));
  const parts = [
    START,
    '',
    '## Figures of the last full run',
    '',
    `\`${run.command}\`, ${run.started}${run.done ? ` to ${run.ended}` : ' (still running)'}. ${run.machine}`,
    `Load average (1, 5, 15 min) at the start ${run.loadStart}, at the ${run.done ? 'end' : 'last suite'} ${run.loadEnd}. Every ratio is against a baseline of the same run; what each figure means and what limits it: the sections below.`,
    '',
    summaryTable(byName),
    '',
    '| suite | measures | result | time | load average (1 min) start → end |',
    '| --- | --- | --- | --- | --- |',
    ...run.suites.map(
      s =>
        `| [${s.name}](#suite-${s.name}) | ${s.what} | ${s.ok ? (s.why === 'exit 0' ? 'ok' : `ok (${s.why})`) : `**failed** (${s.why})`} | ${Math.round(s.seconds)} s | ${s.loadStart} → ${s.loadEnd} |`
    )
  ];
  for (const s of run.suites) {
    parts.push('', `### Suite ${s.name}`, '', `${s.what}.`, '');
    // a suite's own headings go below its heading here (#### at most)
    if (s.markdown) parts.push(s.markdown.trim().replace(/^#{1,4} /gm, '#### '));
    else parts.push('```text', tail(s.out, 40), '```');
  }
  parts.push('', END);
  return parts.join('\n');
}

/** The last `n` lines of a suite's output (shown only when it wrote no markdown). */
function tail(text, n) {
  const lines = (text ?? '').trim().split('\n');
  return (lines.length > n ? ['…', ...lines.slice(-n)] : lines).join('\n');
}

/** `doc` with its generated part replaced by `section` (inserted after the title if absent). */
export function spliceGenerated(doc, section) {
  const a = doc.indexOf(START);
  const b = doc.indexOf(END);
  if (a >= 0 && b > a) return doc.slice(0, a) + section + doc.slice(b + END.length);
  if (a >= 0 || b >= 0)
    throw new Error(
      `docs: one of the markers ${START} / ${END} is missing or out of order; restore both`
    );
  const title = doc.indexOf('\n') + 1;
  return `${doc.slice(0, title)}\n${section}\n${doc.slice(title)}`;
}

/**
 * One figure of a suite's markdown table: the row whose first cell matches `first`, its
 * second cell the median and its third "min–max" (bench-open and bench-restore print no JSON).
 */
export function markdownFigure(markdown, first) {
  const line = markdown.split('\n').find(l => first.test(l.split('|')[1]?.trim() ?? ''));
  const cells = line?.split('|').map(c => c.trim());
  const m = cells?.[3]?.match(/^([\d.]+)–([\d.]+)$/);
  return m ? { median: Number(cells[2]), min: Number(m[1]), max: Number(m[2]) } : undefined;
}

/** The first-well and grid figures of bench-open's table (h1's suite). */
export function openFigures(markdown) {
  return {
    'first well ms': markdownFigure(markdown, /^first well painted$/),
    'first well zarr-python ms': markdownFigure(
      markdown,
      /^baseline: zarr-python reads the same plane/
    ),
    'grid ms': markdownFigure(markdown, /^plate grid painted/),
    'grid zarr-python ms': markdownFigure(markdown, /^baseline: zarr-python reads \d+ wells/)
  };
}

/** The restart figures of bench-restore's table (h5's suite). */
export function restoreFigures(markdown) {
  return {
    'served ms': markdownFigure(markdown, /^spawn → one restored plane served/),
    'empty start ms': markdownFigure(markdown, /^baseline B: spawn → a server on an empty store/)
  };
}

/** P3/P4 figures of bench-panel's summary (its OUT/bench-panel.json). */
export function panelFigures(summary) {
  const of = (xs, k, scale = 1) => stat(xs.map(x => x[k] * scale));
  const MiB = 2 ** -20;
  return {
    'first paint p50 ms': of(summary.firstPaint, 'p50'),
    'first paint p95 ms': of(summary.firstPaint, 'p95'),
    'refinement over bare p50': of(summary.fullOverBare, 'p50'),
    'refinement over bare p95': of(summary.fullOverBare, 'p95'),
    'MiB per plane': of(summary.bytesToFull, 'p50', MiB),
    'planes/s DPR 1': of(summary.scrub1, 'planesPerS'),
    'planes/s DPR 2': of(summary.scrub2, 'planesPerS'),
    'idle frames/s DPR 1': of(summary.scrub1, 'idleFps'),
    'idle frames/s DPR 2': of(summary.scrub2, 'idleFps')
  };
}

/** Median and min–max of the finite values (undefined when there are none). */
export function stat(values) {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, min: v[0], max: v[v.length - 1] };
}
