// Shared figures of the benchmark scripts: medians, min–max, markdown tables, the load line.
import * as fs from 'node:fs';
import * as os from 'node:os';

export function median(values) {
  const v = values.filter(x => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** "min–max" of `values`, with `digits` decimals. */
export function range(values, digits = 2) {
  const v = values.filter(x => Number.isFinite(x));
  return `${Math.min(...v).toFixed(digits)}–${Math.max(...v).toFixed(digits)}`;
}

export function table(head, rows) {
  const line = cells => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The machine and its load now (1, 5, 15 min), for the report beside the figures. */
export function loadLine() {
  const cpus = os.cpus();
  return `Machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average ${os
    .loadavg()
    .map(l => l.toFixed(2))
    .join(' ')}.`;
}

export { stat } from './bench-summary.mjs';

/** A suite's headline figures for the summary of `npm run bench` (its `--json FILE`). */
export function writeFigures(file, figures) {
  if (file) fs.writeFileSync(file, JSON.stringify(figures, null, 2) + '\n');
}
