/**
 * The safe-subset pickle codec (src/protocol/pickle.ts) against CPython's pickle module:
 * random nested values pickled by Python in protocols 2 to 5 decode to the same values,
 * and what the encoder writes, Python's pickle.loads reads back unchanged.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { decodeSafePickle, encodePickle, type PickleValue } from '../../src/protocol/index.js';
import { FIXTURES, PYTHON } from './openhcs-server.js';

function py(args: string[], input?: string): string[] {
  const run = spawnSync(PYTHON, [path.join(FIXTURES, 'pickle_roundtrip.py'), ...args], {
    input,
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024
  });
  if (run.status !== 0) throw new Error(`python failed: ${run.stderr}`);
  return run.stdout.trim().split('\n');
}

/** As the fixture writes values as JSON: bytes as {bytes: hex}. */
function plain(v: PickleValue): unknown {
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v).toString('hex') };
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

it("decodes 400 random values pickled by CPython's pickle.dumps (protocols 2 to 5)", () => {
  const lines = py(['dump', '400', '13']).map(
    l => JSON.parse(l) as { protocol: number; hex: string; json: unknown }
  );
  expect(lines).toHaveLength(400);
  for (const { hex, json } of lines) {
    expect(plain(decodeSafePickle(Uint8Array.from(Buffer.from(hex, 'hex'))))).toEqual(json);
  }
});

it("writes pickles that CPython's pickle.loads reads back unchanged", () => {
  const lines = py(['dump', '200', '14']).map(l => JSON.parse(l) as { hex: string });
  const values = lines.map(l => decodeSafePickle(Uint8Array.from(Buffer.from(l.hex, 'hex'))));
  values.push({ raw: Uint8Array.of(0, 255), big: 2n ** 80n, negative: -(2n ** 70n) });
  const encoded = values.map(v => Buffer.from(encodePickle(v)).toString('hex')).join('\n');
  const back = py(['load'], encoded + '\n').map(l => JSON.parse(l) as unknown);
  expect(back.slice(0, -1)).toEqual(values.slice(0, -1).map(plain));
  expect(back[back.length - 1]).toEqual({
    raw: { bytes: '00ff' },
    big: Number(2n ** 80n),
    negative: Number(-(2n ** 70n))
  });
});
