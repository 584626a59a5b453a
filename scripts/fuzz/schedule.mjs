// Which message goes where: every case of every channel in one table, a schedule of
// classes drawn from the seed (each class at least once, expensive ones capped), and a
// fixed assignment of messages to clients, so a replay sends each client the same list.
import { CONTROL_CASES, RAW_CASES } from './control-cases.mjs';
import { DATA_CASES } from './data-cases.mjs';
import { HTTP_CASES } from './http-cases.mjs';
import { MODEL_CASES } from './model-cases.mjs';
import { mix, Rng } from './prng.mjs';
import { SEGMENT_CASES } from './segment-cases.mjs';

const tag = (cases, channel) =>
  Object.entries(cases).map(([name, c]) => ({ name, channel, valid: Boolean(c.valid), ...c }));

export const CLASSES = [
  ...tag(DATA_CASES, 'data'),
  ...tag(SEGMENT_CASES, 'data'),
  ...tag(MODEL_CASES, 'data'),
  ...tag(CONTROL_CASES, 'control'),
  ...tag(RAW_CASES, 'raw'),
  ...tag(HTTP_CASES, 'http')
];
export const BY_NAME = new Map(CLASSES.map(c => [c.name, c]));

/** One valid data message per this many malformed ones, one HTTP request per HTTP_EVERY. */
const VALID_EVERY = 10;
const HTTP_EVERY = 20;

function drawer(seed, stream, classes, total) {
  if (classes.length === 0) return () => null;
  const rng = new Rng(mix(seed, stream));
  const counts = new Map();
  const allowed = c => (counts.get(c.name) ?? 0) < (c.cap ? c.cap(total) : Infinity);
  let first = 0;
  return () => {
    // every class once first, then by weight among those under their cap
    let pick = first < classes.length ? classes[first++] : null;
    while (pick === null || !allowed(pick)) {
      const open = classes.filter(allowed);
      if (open.length === 0) return null; // every class at its cap (only with --only)
      pick = open[rng.weighted(open.map(c => c.weight || 1e-9))];
    }
    counts.set(pick.name, (counts.get(pick.name) ?? 0) + 1);
    return pick.name;
  };
}

/**
 * `messages` malformed messages for the data and control ports (raw TCP ones included),
 * plus valid data messages and browser-API requests interleaved; returns class names.
 */
export function schedule(seed, messages, only = null) {
  const chosen = CLASSES.filter(c => only === null || only.includes(c.name));
  const malformed = chosen.filter(c => !c.valid && c.channel !== 'http');
  const valid = chosen.filter(c => c.valid && c.channel === 'data');
  const web = chosen.filter(c => c.channel === 'http');
  const nextMalformed = drawer(seed, 1, malformed, messages);
  const nextValid = drawer(seed, 2, valid, Math.ceil(messages / VALID_EVERY));
  const nextWeb = drawer(seed, 3, web, Math.ceil(messages / HTTP_EVERY));
  const out = [];
  for (let i = 0; i < messages; i++) {
    const next = [
      nextMalformed,
      i % VALID_EVERY === 0 && nextValid,
      i % HTTP_EVERY === 0 && nextWeb
    ];
    for (const draw of next) {
      const name = draw ? draw() : null;
      if (name) out.push(name);
    }
  }
  return out;
}

/** Messages per client: the k-th message of a channel goes to client k mod (its clients). */
export function assign(names, clientsPerChannel) {
  const lists = Object.fromEntries(
    Object.entries(clientsPerChannel).map(([ch, n]) => [ch, Array.from({ length: n }, () => [])])
  );
  const seen = {};
  names.forEach((name, index) => {
    const channel = BY_NAME.get(name).channel;
    const k = (seen[channel] = (seen[channel] ?? -1) + 1);
    lists[channel][k % lists[channel].length].push(index);
  });
  return lists;
}
