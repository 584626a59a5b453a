/**
 * Where a browser's time went while `run()` ran: a Chrome trace (Playwright's
 * browser.startTracing) summed per thread and event name (complete events only, nested
 * events counted in their own right). For the viewer benchmarks' "what limits it".
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const CATEGORIES = ['devtools.timeline', 'toplevel', 'gpu', 'viz', 'cc'];

/** Runs `run()` under a trace; resolves with its result and the `top` busiest events. */
export async function traced(browser, page, run, top = 8) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'plv-trace-')), 'trace.json');
  await browser.startTracing(page, { path: file, categories: CATEGORIES });
  let result;
  try {
    result = await run();
  } finally {
    await browser.stopTracing();
  }
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  const events = Array.isArray(json) ? json : json.traceEvents;
  const threads = new Map();
  for (const e of events)
    if (e.ph === 'M' && e.name === 'thread_name') threads.set(`${e.pid}:${e.tid}`, e.args.name);
  const sums = new Map();
  for (const e of events) {
    if (e.ph !== 'X' || !e.dur || /RunTask|Pipeline$/.test(e.name)) continue; // wrappers
    const key = `${threads.get(`${e.pid}:${e.tid}`) ?? '?'} ${e.name}`;
    sums.set(key, (sums.get(key) ?? 0) + e.dur / 1000);
  }
  const busiest = [...sums]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([event, ms]) => ({ event, ms: Math.round(ms) }));
  return { result, busiest };
}
